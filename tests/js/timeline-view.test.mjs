import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CAP, DEFAULT_SPAN, GUTTER, IDLE_SWITCH_MS, MAX_SPAN, MIN_SPAN, RIGHT_PAD, TimelineView, hitAt,
} from "../../static/timeline-view.js";
import { ev } from "./events.mjs";

const T0 = Date.UTC(2026, 0, 1);

/** A view whose clock reads ``now`` ms after T0, 1000 px wide (918 of plot). */
function view(now = 0) {
  const v = new TimelineView({ clock: () => T0 + now });
  v.resize(1000 + 0.4, 200);
  return v;
}

test("one session in the filter pins the timeline to it; several let it choose among them", () => {
  const v = view();
  assert.equal(v.filterSessions(["a"]), "a");
  assert.equal(v.pinned, true);
  v.show("a");
  assert.equal(v.filterSessions(["a", "b"]), "a");
  assert.equal(v.pinned, false);
  assert.equal(v.filterSessions(["b", "c"]), null, "the shown session is no longer allowed");
  assert.equal(v.filterSessions([]), "a");
});

test("auto mode follows the newest session once the shown one is quiet", () => {
  const v = view();
  assert.equal(v.arrivals([ev("stt_transcript", 0, { session_id: "a" })]), "a", "none shown yet");
  v.show("a");
  assert.equal(v.arrivals([ev("stt_transcript", 0, { session_id: "a" })]), null);
  assert.equal(v.added, 1);
  assert.equal(v.arrivals([ev("stt_transcript", IDLE_SWITCH_MS - 1, { session_id: "b" })]), null, "a is not quiet yet");
  assert.equal(v.arrivals([ev("stt_transcript", IDLE_SWITCH_MS + 1, { session_id: "b" })]), "b");
  v.filterSessions(["a"]);
  assert.equal(v.arrivals([ev("stt_transcript", 10 * IDLE_SWITCH_MS, { session_id: "b" })]), null, "pinned");
});

test("inserted events are the shown session's, once each, in seq order, at most CAP", () => {
  const v = view();
  v.show("s1");
  const [a, b, c] = [ev("stt_transcript", 0), ev("stt_transcript", 1), ev("stt_transcript", 2)];
  assert.equal(v.insert([a, c, ev("stt_transcript", 3, { session_id: "other" })]), 2);
  assert.equal(v.insert([b, c]), 1);
  assert.deepEqual(v.items.map((i) => i.ev.seq), [a.seq, b.seq, c.seq]);
  const many = Array.from({ length: CAP * 1.2 + 1 }, (_, i) => ev("vad_audio", 10 + i));
  v.insert(many);
  assert.equal(v.items.length, CAP);
  assert.equal(v.items.at(-1).ev.seq, many.at(-1).seq, "the newest are kept");
  assert.equal(v.seqs.size, CAP);
});

test("live arrivals measure the clock difference from the least delayed event", () => {
  const v = view(5_000);
  v.show("s1");
  v.arrivals([ev("stt_transcript", 1_000), ev("stt_transcript", 4_500)], { live: true });
  assert.equal(v.skew, 500);
  assert.equal(v.now(), T0 + 4_500);
  v.arrivals([ev("stt_transcript", 4_900)]);
  assert.equal(v.skew, 500, "a first load is not live");
});

test("a live session's window ends just after now; a finished one's after its last event", () => {
  const v = view(2_000);
  v.show("s1");
  assert.equal(v.isLive(), false);
  v.insert([ev("vad_speech_start", 0), ev("vad_speech_end", 1_000)]);
  assert.equal(v.isLive(), true);
  assert.equal(v.liveEdge(), T0 + 2_000);
  assert.equal(v.viewEnd(), T0 + 2_000 + DEFAULT_SPAN * 0.02);
  const old = view(100_000);
  old.show("s1");
  old.insert([ev("vad_speech_start", 0), ev("vad_speech_end", 1_000)]);
  assert.equal(old.isLive(), false);
  assert.equal(old.liveEdge(), T0 + 2_000, "last event + min(5% of the span, 1 s)");
});

test("zoom is clamped, and keeps the time under the pointer in place", () => {
  const v = view();
  v.zoomBy(1e-9);
  assert.equal(v.span, MIN_SPAN);
  v.zoomBy(1e9);
  assert.equal(v.span, MAX_SPAN);
  v.span = 10_000;
  v.setFollow(false);
  const x = GUTTER + 300;
  const before = v.timeAt(x);
  v.zoom("in", x);
  assert.equal(v.span, 10_000 / 1.6);
  assert.ok(Math.abs(v.timeAt(x) - before) < 1e-6, "the anchor stays put");
  v.zoom("out");
  assert.ok(Math.abs(v.span - 10_000) < 1e-9);
});

test("leaving live keeps the window; panning moves it; reaching the live edge follows again", () => {
  const v = view(2_000);
  v.show("s1");
  v.insert([ev("stt_transcript", 1_000)]);
  const end = v.viewEnd();
  v.setFollow(false);
  assert.equal(v.viewEnd(), end);
  v.panBy(-5_000);
  assert.equal(v.viewEnd(), end - 5_000);
  assert.equal(v.follow, false);
  v.panBy(+10_000);
  assert.equal(v.follow, true, "past the live edge of a live session");
  assert.equal(v.end, null);
});

test("fit shows the whole session with a margin", () => {
  const v = view(500_000);
  v.show("s1");
  v.insert([ev("stt_transcript", 10_000), ev("stt_transcript", 20_000)]);
  v.fit();
  assert.equal(v.span, 10_000 * 1.06);
  assert.equal(v.follow, false, "a finished session is not followed");
  const { start, end } = v.layout();
  assert.ok(start < T0 + 10_000 && end > T0 + 20_000);
});

test("the scrollbar thumb is the window within the session's extent", () => {
  const v = view(1_000_000);
  v.show("s1");
  v.insert([ev("stt_transcript", 0), ev("stt_transcript", 100_000)]);
  v.span = 10_000;
  v.panTo(T0 + 50_000);
  const { left, width } = v.thumb();
  const [lo, hi] = v.extent();
  assert.equal(lo, T0);
  assert.ok(Math.abs(left - 40_000 / (hi - lo)) < 1e-9);
  assert.ok(Math.abs(width - 10_000 / (hi - lo)) < 1e-9);
  v.scrollThumb(v.viewEnd(), -1);
  assert.equal(v.viewEnd(), T0 + 10_000, "the thumb stops at the start");
  v.scrollThumb(v.viewEnd(), 0.5);
  assert.equal(v.viewEnd(), T0 + 10_000 + 0.5 * (hi - lo));
  v.scrollTrack(0);
  assert.equal(v.viewEnd(), T0 + 5_000, "a click at the start centres the window there");
});

test("layout maps times to x across the plot and lanes to rows", () => {
  const v = view();
  v.setFollow(false);
  v.end = T0 + 10_000;
  v.span = 10_000;
  const { x, laneY, laneH, top } = v.layout();
  assert.equal(x(T0), GUTTER);
  assert.equal(x(T0 + 10_000), v.width - RIGHT_PAD);
  assert.equal(laneY("vad"), top);
  assert.equal(laneY("plugin"), top + 4 * laneH);
});

test("hitAt returns the first region under the point", () => {
  const hits = [{ x0: 0, x1: 10, y0: 0, y1: 10, id: "top" }, { x0: 0, x1: 20, y0: 0, y1: 20, id: "below" }];
  assert.equal(hitAt(hits, 5, 5).id, "top");
  assert.equal(hitAt(hits, 15, 15).id, "below");
  assert.equal(hitAt(hits, 25, 5), null);
});
