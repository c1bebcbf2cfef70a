import assert from "node:assert/strict";
import { test } from "node:test";

import { clippedText, drawTimeline, sortHits, tickLabel, tickStep } from "../../static/timeline-draw.js";
import { TimelineView } from "../../static/timeline-view.js";
import { ev } from "./events.mjs";

/** A 2D context that records what is drawn (fillText calls) and measures 6 px per character. */
function recordingContext() {
  const texts = [];
  const noop = () => {};
  return new Proxy({ texts }, {
    get(target, name) {
      if (name in target) return target[name];
      if (name === "fillText") return (text) => texts.push(String(text));
      if (name === "measureText") return (text) => ({ width: String(text).length * 6 });
      return noop;
    },
    set() {
      return true;
    },
  });
}

test("tick steps are round and at least minPx apart", () => {
  assert.equal(tickStep(30_000, 918), 5000);
  assert.equal(tickStep(1_000, 918), 100);
  assert.equal(tickStep(24 * 3600 * 1000, 918), 3600000, "the widest step when nothing fits");
  for (const span of [300, 4_000, 90_000, 3_600_000]) {
    const step = tickStep(span, 800);
    assert.ok((step / span) * 800 >= 84, `${span}: ${step}`);
  }
});

test("tick labels are as precise as the step", () => {
  const t = new Date(2026, 0, 2, 13, 4, 5, 120).getTime();
  assert.equal(tickLabel(t, 60_000), "13:04");
  assert.equal(tickLabel(t, 1_000), "13:04:05");
  assert.equal(tickLabel(t, 100), "04:05.120");
});

test("labels too wide are cut with an ellipsis, or left out when nothing fits", () => {
  const ctx = recordingContext();
  clippedText(ctx, "short", 0, 0, 100);
  clippedText(ctx, "a rather long transcript", 0, 0, 60);
  clippedText(ctx, "xyz", 0, 0, 10);
  assert.deepEqual(ctx.texts, ["short", "a rather …"]);
});

test("hits are sorted errors first, then marks, then spans, the last drawn first among equals", () => {
  const hits = sortHits([
    { id: "span", priority: 0 }, { id: "mark1", priority: 1 }, { id: "error", priority: 2 }, { id: "mark2", priority: 1 },
  ]);
  assert.deepEqual(hits.map((h) => h.id), ["error", "mark2", "mark1", "span"]);
});

test("drawing a session returns what it drew and where to click", () => {
  const T0 = Date.UTC(2026, 0, 1);
  const view = new TimelineView({ clock: () => T0 + 2_000 });
  view.resize(1000, 200);
  view.show("s1");
  view.insert([
    ev("plugin_initialized", -60_000), // outside the 30 s window: not drawn
    ev("vad_speech_start", 0),
    ev("vad_speech_end", 800),
    ev("stt_transcript", 1_000, { text: "turn on the lights" }),
    ev("stt_error", 1_500),
  ]);
  const colors = new Proxy({}, { get: () => "#000" });
  const ctx = recordingContext();
  const { hits, drawn } = drawTimeline(ctx, view, { colors, font: "monospace" });
  assert.deepEqual(drawn.map((d) => [d.type, d.lane, d.kind]), [
    ["vad_speech_end", "vad", "span"],
    ["stt_transcript", "stt", "dot"],
    ["stt_error", "stt", "error"],
  ]);
  assert.deepEqual(hits.map((h) => h.open.event_type), ["stt_error", "stt_transcript", "vad_speech_end"]);
  assert.ok(ctx.texts.some((t) => t.startsWith("turn ") && t.endsWith("…")), "the transcript is labelled, cut to fit");
  assert.ok(["VAD", "STT", "TTS", "STS", "Lifecycle"].every((name) => ctx.texts.includes(name)), "lane names");
  const mark = hits[1];
  const { x, laneY, laneH } = view.layout();
  assert.ok(mark.x0 < x(T0 + 1_000) && x(T0 + 1_000) < mark.x1);
  assert.ok(Math.abs(mark.y0 - laneY("stt")) < 1e-9 && Math.abs(mark.y1 - (laneY("stt") + laneH)) < 1e-9, "its lane");
});

test("an empty or collapsed canvas draws nothing", () => {
  const view = new TimelineView();
  view.resize(1, 1);
  assert.deepEqual(drawTimeline(recordingContext(), view, { colors: {}, font: "x" }), { hits: [], drawn: [] });
});
