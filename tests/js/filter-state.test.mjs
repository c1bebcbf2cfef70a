import assert from "node:assert/strict";
import { test } from "node:test";

import { TYPE_PRESETS, filterQuery, parseFilter, resetFilter } from "../../static/filter-state.js";

test("a query string parses into the filter state", () => {
  const state = parseFilter("?type=stt_transcript,tts_audio&type=stt_transcript&session=b&session=a"
    + "&plugin=p1&min_confidence=%200.5%20&q=%20hello%20&errors=TRUE&limit=50&token=t");
  assert.deepEqual(state, {
    types: ["stt_transcript", "tts_audio"],
    sessions: ["b", "a"],
    plugins: ["p1"],
    minConfidence: "0.5",
    q: "hello",
    errors: true,
    extras: [["limit", "50"], ["token", "t"]],
  });
});

test("an empty query is no filter", () => {
  assert.deepEqual(parseFilter(""), {
    types: [], sessions: [], plugins: [], minConfidence: null, q: "", errors: false, extras: [],
  });
  for (const value of ["0", "no", "maybe", ""]) assert.equal(parseFilter(`errors=${value}`).errors, false, value);
  for (const value of ["1", "yes", "on", "true"]) assert.equal(parseFilter(`errors=${value}`).errors, true, value);
  assert.equal(parseFilter("min_confidence=").minConfidence, null);
});

test("the query is written in EventFilter.to_query's canonical order", () => {
  const state = parseFilter("q=hi&plugin=z&errors=1&session=b&session=a&type=tts_audio&type=stt_error&min_confidence=0.7");
  assert.equal(
    filterQuery(state),
    "type=stt_error&type=tts_audio&session=a&session=b&plugin=z&min_confidence=0.7&q=hi&errors=1",
  );
});

test("the API query keeps only filter extras; the page URL keeps its own parameters too", () => {
  const state = parseFilter("type=vad_audio&since=2026-01-01T00:00:00Z&limit=50&token=t&after=9&bogus=1");
  assert.equal(filterQuery(state), "type=vad_audio&since=2026-01-01T00%3A00%3A00Z");
  assert.equal(
    filterQuery(state, { page: true }),
    "type=vad_audio&since=2026-01-01T00%3A00%3A00Z&limit=50&token=t&bogus=1",
  );
});

test("parse and write round-trip", () => {
  const query = "type=stt_transcript&session=s%2F1&plugin=p&min_confidence=0.8&q=a+b&errors=1";
  assert.equal(filterQuery(parseFilter(query)), query);
});

test("presets pick types by the kind the server gave them, not by their names", () => {
  const types = [
    { type: "stt_transcript", kind: "transcript" },
    { type: "stt_partial_transcript", kind: "partial" },
    { type: "sts_transcript", kind: "transcript" },
    { type: "stt_error", kind: "error" },
    { type: "plugin_error", kind: "error" },
    { type: "tts_audio", kind: "synthesis" },
    { type: "odd_name", kind: "error" },
  ];
  assert.deepEqual(TYPE_PRESETS.errors(types), ["stt_error", "plugin_error", "odd_name"]);
  assert.deepEqual(TYPE_PRESETS.transcripts(types), ["stt_transcript", "stt_partial_transcript", "sts_transcript"]);
  assert.deepEqual(TYPE_PRESETS.all(types), []);
  assert.deepEqual(TYPE_PRESETS.none(types), []);
});

test("reset forgets the filter but keeps the page's token and limit", () => {
  const state = parseFilter("type=stt_error&q=x&since=2026-01-01&token=t&limit=5");
  assert.deepEqual(resetFilter(state), { ...parseFilter(""), extras: [["token", "t"], ["limit", "5"]] });
});
