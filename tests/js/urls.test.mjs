import assert from "node:assert/strict";
import { test } from "node:test";

import { makeUrls, pageRoot, segment, urls } from "../../static/urls.js";

test("segment encodes slashes, question marks and hashes", () => {
  assert.equal(segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
  assert.equal(segment("plain-id_1.2~x"), "plain-id_1.2~x");
});

test("paths stay under the mount prefix, with or without a query", () => {
  const u = makeUrls("/inspector/");
  assert.equal(u.root, "/inspector");
  assert.equal(u.path("/stats"), "/inspector/stats");
  assert.equal(u.path("/stats", "type=stt_error&session=s"), "/inspector/stats?type=stt_error&session=s");
  assert.equal(u.path("/stats", "?q=x"), "/inspector/stats?q=x");
  assert.equal(u.path("/api/events", { limit: 5, after: null, q: "" }), "/inspector/api/events?limit=5");
  assert.equal(u.path("/api/events", [["type", "a"], ["type", "b"]]), "/inspector/api/events?type=a&type=b");
  assert.equal(u.path("/"), "/inspector/");
  assert.equal(makeUrls("").path("/stats"), "/stats");
});

test("a path without a leading slash is refused", () => {
  assert.throws(() => makeUrls("").path("stats"), /path="stats": must start with "\/"/);
});

test("ids become one encoded segment in every URL", () => {
  const u = makeUrls("/p");
  const id = "odd/id?x=1#frag";
  assert.equal(u.eventPage(id), "/p/events/odd%2Fid%3Fx%3D1%23frag");
  assert.equal(u.apiEvent(id), "/p/api/events/odd%2Fid%3Fx%3D1%23frag");
  assert.equal(u.eventAudio(id), "/p/api/events/odd%2Fid%3Fx%3D1%23frag/audio.wav");
  assert.equal(u.synthesisAudio("syn/1"), "/p/api/syntheses/syn%2F1/audio.wav");
  assert.equal(u.apiSession("s#1"), "/p/api/sessions/s%231");
  assert.equal(u.live("a b"), "/p/?session=a+b");
  assert.equal(u.live(), "/p/");
});

test("join appends parameters to a query string", () => {
  const u = makeUrls("");
  assert.equal(u.join("type=x", { after: 3, limit: 10 }), "type=x&after=3&limit=10");
  assert.equal(u.join("", { limit: 10 }), "limit=10");
  assert.equal(u.join("type=x", null), "type=x");
});

test("the page root comes from the meta tag, and is empty without a document", () => {
  const doc = { querySelector: (s) => (s === 'meta[name="inspector-root"]' ? { getAttribute: () => "/mounted" } : null) };
  assert.equal(pageRoot(doc), "/mounted");
  assert.equal(pageRoot({ querySelector: () => null }), "");
  assert.equal(pageRoot(undefined), "");
  assert.equal(urls.path("/stats"), "/stats"); // in Node there is no page: the root is ""
});
