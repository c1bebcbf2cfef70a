import assert from "node:assert/strict";
import { test } from "node:test";

import { LANES, audioActions, confidenceOf, timelineLane } from "../../static/event-view.js";
import { makeUrls } from "../../static/urls.js";
import { ev } from "./events.mjs";

const urls = makeUrls("/mnt");

test("lanes follow the family, lifecycle events (connections too) have their own", () => {
  assert.deepEqual(LANES.map((l) => l.key), ["vad", "stt", "tts", "sts", "plugin"]);
  assert.equal(timelineLane(ev("vad_audio")), "vad");
  assert.equal(timelineLane(ev("stt_error")), "stt");
  assert.equal(timelineLane(ev("stt_connection")), "plugin");
  assert.equal(timelineLane(ev("plugin_initialized")), "plugin");
  assert.equal(timelineLane(ev("sts_connected")), "sts");
  // what decides is the vocabulary the server sent, whatever the type is called
  assert.equal(timelineLane({ event_type: "vad_whatever", kind: "lifecycle", family: "vad" }), "plugin");
});

test("confidence is the event's own number or null", () => {
  assert.equal(confidenceOf(ev("stt_transcript", 0, { confidence: 0.42 })), 0.42);
  assert.equal(confidenceOf(ev("stt_transcript", 0, { confidence: null })), null);
  assert.equal(confidenceOf(ev("vad_audio")), null);
});

const audio = (fields = {}) => ({ size_bytes: 3200, duration_ms: 100, evicted: false, url: "/mnt/api/events/x/audio.wav", ...fields });

test("a speech segment offers its own audio", () => {
  const segment = ev("vad_audio", 0, { audio: audio() });
  assert.deepEqual(audioActions(segment, urls), [{
    url: "/mnt/api/events/x/audio.wav",
    label: "play",
    title: "Play this speech segment",
    durationMs: 100,
    name: `vad_audio #${segment.seq}`,
  }]);
});

test("a synthesis chunk offers itself and the whole synthesis", () => {
  const chunk = ev("tts_audio", 0, { audio: audio(), synthesis_id: "syn/1?#" });
  const [own, whole] = audioActions(chunk, urls);
  assert.deepEqual([own.label, own.title], ["chunk", "Play this chunk"]);
  assert.deepEqual(whole, {
    url: "/mnt/api/syntheses/syn%2F1%3F%23/audio.wav",
    label: "all",
    title: "Play the whole synthesis",
    durationMs: null,
    name: "synthesis syn/1?#",
  });
});

test("a finished synthesis offers the whole of it, with its duration", () => {
  const done = ev("tts_synthesis_complete", 0, { synthesis_id: "0b8f1c2e-1111-2222-3333-444455556666", audio_duration_ms: 840 });
  assert.deepEqual(audioActions(done, urls), [{
    url: "/mnt/api/syntheses/0b8f1c2e-1111-2222-3333-444455556666/audio.wav",
    label: "play",
    title: "Play the whole synthesis",
    durationMs: 840,
    name: "synthesis 0b8f1c2e",
  }]);
  assert.equal(audioActions(ev("tts_synthesis_start", 0, { synthesis_id: "s" }), urls)[0].durationMs, null);
});

test("evicted, empty or absent audio offers nothing; errors never offer a synthesis", () => {
  assert.deepEqual(audioActions(ev("vad_audio", 0, { audio: audio({ evicted: true }) }), urls), []);
  assert.deepEqual(audioActions(ev("vad_audio", 0, { audio: audio({ url: null }) }), urls), []);
  assert.deepEqual(audioActions(ev("vad_audio"), urls), []);
  assert.deepEqual(audioActions(ev("tts_error", 0, { synthesis_id: "s" }), urls), []);
  assert.deepEqual(audioActions(ev("stt_transcript"), urls), []);
});
