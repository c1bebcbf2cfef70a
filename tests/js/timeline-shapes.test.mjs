import assert from "node:assert/strict";
import { test } from "node:test";

import { deriveShapes } from "../../static/timeline-shapes.js";
import { ev, items } from "./events.mjs";

const EDGE = Date.UTC(2026, 0, 1) + 60_000;
const summary = (shapes) => ({
  spans: shapes.spans.map((s) => [s.lane, s.t1 - s.t0, Boolean(s.open), Boolean(s.failed), s.label ?? null]),
  marks: shapes.marks.map((m) => [m.lane, m.item.ev.event_type, m.shape, m.label ?? null]),
});

test("speech start and end make a segment per VAD plugin; an unmatched end is a tick", () => {
  const shapes = deriveShapes(items([
    ev("vad_speech_start", 0, { plugin_name: "a" }),
    ev("vad_speech_start", 100, { plugin_name: "b" }),
    ev("vad_speech_end", 900, { plugin_name: "a" }),
    ev("vad_speech_end", 1000, { plugin_name: "c" }),
  ]), EDGE);
  assert.deepEqual(summary(shapes), {
    spans: [["vad", 900, false, false, null], ["vad", EDGE - Date.UTC(2026, 0, 1) - 100, true, false, null]],
    marks: [["vad", "vad_speech_end", "tick", null]],
  });
});

test("a synthesis spans start to complete, labelled with its text; an unfinished one reaches the edge", () => {
  const shapes = deriveShapes(items([
    ev("tts_synthesis_start", 0, { synthesis_id: "x", text: "hello" }),
    ev("tts_audio", 50, { synthesis_id: "x" }),
    ev("tts_synthesis_complete", 400, { synthesis_id: "x", text: null }),
    ev("tts_synthesis_start", 500, { synthesis_id: "y", text: "still going" }),
  ]), EDGE);
  assert.deepEqual(summary(shapes), {
    spans: [["tts", 400, false, false, "hello"], ["tts", EDGE - Date.UTC(2026, 0, 1) - 500, true, false, "still going"]],
    marks: [["tts", "tts_audio", "chunk", null]],
  });
});

test("an error ends the synthesis it names, as a failed span, and is a mark in its lane", () => {
  const shapes = deriveShapes(items([
    ev("tts_synthesis_start", 0, { synthesis_id: "x", text: "hi" }),
    ev("tts_error", 300, { synthesis_id: "x" }),
    ev("stt_error", 400),
    ev("plugin_error", 500),
  ]), EDGE);
  assert.deepEqual(summary(shapes), {
    spans: [["tts", 300, false, true, "hi"]],
    marks: [["tts", "tts_error", "error", null], ["stt", "stt_error", "error", null], ["plugin", "plugin_error", "error", null]],
  });
});

test("transcripts are labelled dots, partials rings, in their family's lane", () => {
  const shapes = deriveShapes(items([
    ev("stt_partial_transcript", 0, { text: "hel" }),
    ev("stt_transcript", 100, { text: "hello" }),
    ev("sts_transcript", 200, { text: "how are you" }),
    ev("sts_response", 300, { text: "fine" }),
  ]), EDGE);
  assert.deepEqual(summary(shapes).marks, [
    ["stt", "stt_partial_transcript", "ring", "hel"],
    ["stt", "stt_transcript", "dot", "hello"],
    ["sts", "sts_transcript", "dot", "how are you"],
    ["sts", "sts_response", "dot", "fine"],
  ]);
  assert.equal(shapes.marks[0].partial, true);
});

test("audio, connections and lifecycle events get their marks", () => {
  const shapes = deriveShapes(items([
    ev("vad_audio", 0),
    ev("vad_partial", 10),
    ev("stt_connection", 20),
    ev("plugin_initialized", 30),
    ev("sts_connected", 40),
    ev("sts_audio_output", 50),
  ]), EDGE);
  assert.deepEqual(summary(shapes).marks, [
    ["vad", "vad_audio", "audio", null],
    ["vad", "vad_partial", "small", null],
    ["plugin", "stt_connection", "diamond", null],
    ["plugin", "plugin_initialized", "diamond", null],
    ["sts", "sts_connected", "diamond", null],
    ["sts", "sts_audio_output", "small", null],
  ]);
  assert.deepEqual(shapes.spans, []);
});

test("shapes come from the vocabulary: an unknown type that is an error is drawn as one", () => {
  const odd = { ...ev("stt_error", 0), event_type: "future_failure", family: "tts" };
  const shapes = deriveShapes(items([odd]), EDGE);
  assert.deepEqual(summary(shapes).marks, [["tts", "future_failure", "error", null]]);
});
