// The timeline's state, without DOM or canvas: which session it shows (pinned by the filter, or the
// latest one), that session's events, and the visible window (span, end, following live). Every
// zoom, pan and fit is arithmetic here, so it can be tested without a browser; static/timeline.js
// draws the result and wires the input. Times are browser milliseconds since the epoch.

import { LANES } from "./event-view.js";
import { parseTime } from "./format.js";

export const GUTTER = 72; // px left of the plot: lane names
export const RIGHT_PAD = 10;
export const AXIS = 22; // px above the lanes: the time axis
export const MIN_SPAN = 200;
export const MAX_SPAN = 6 * 3600 * 1000;
export const DEFAULT_SPAN = 30000;
export const CAP = 5000; // events of the shown session kept in memory
export const IDLE_SWITCH_MS = 10000; // auto mode: a session this quiet gives way to a busier one
export const LIVE_SESSION_MS = 30000; // a session with an event this recent is live (as the server says)
const SKEW_SAMPLES = 20; // newest live arrivals that estimate the clock difference

export class TimelineView {
  /** clock(): the browser's time in ms (Date.now; tests pass their own). */
  constructor({ clock = () => Date.now() } = {}) {
    this.clock = clock;
    this.session = null;
    this.pinned = false;
    this.candidates = null; // sessions the filter allows (null: any)
    this.items = []; // {t, ev} of the shown session, ascending seq
    this.seqs = new Set();
    this.span = DEFAULT_SPAN;
    this.end = null; // right edge of the window when not following
    this.follow = true;
    this.skew = null; // browser clock minus server clock (ms), from live arrivals
    this.width = 0;
    this.height = 0;
  }

  // -------------------------------------------------------------------------------- sessions

  /** The sessions the filter names: exactly one pins the timeline to it. Returns the session to
   * show now (the caller switches to it and loads its events). */
  filterSessions(sessions) {
    this.candidates = sessions.length ? new Set(sessions) : null;
    if (sessions.length === 1) {
      this.pinned = true;
      return sessions[0];
    }
    this.pinned = false;
    if (this.session && this.candidates && !this.candidates.has(this.session)) return null;
    return this.session;
  }

  /** Show this session (null: none yet), with no events until they are inserted. */
  show(sessionId) {
    this.session = sessionId;
    this.items = [];
    this.seqs = new Set();
  }

  /**
   * Events from the page (a first load or the live stream), any session, ascending seq. Returns the
   * session to switch to (auto mode found a newer, busier one) or null; otherwise keeps the events of
   * the shown session and returns null. ``added`` counts what was kept.
   */
  arrivals(events, { live = false } = {}) {
    this.added = 0;
    if (!events.length) return null;
    if (live) this.measureSkew(events);
    if (!this.pinned) {
      const next = this.sessionToFollow(events);
      if (next !== null) return next;
    }
    if (!this.session) return null;
    this.added = this.insert(events);
    return null;
  }

  measureSkew(events) {
    const now = this.clock();
    for (let i = Math.max(0, events.length - SKEW_SAMPLES); i < events.length; i += 1) {
      const lag = now - parseTime(events[i].timestamp);
      if (this.skew === null || lag < this.skew) this.skew = lag;
    }
  }

  /** Auto mode: the newest allowed session, when none is shown or the shown one went quiet. */
  sessionToFollow(events) {
    let newest = null;
    for (let i = events.length - 1; i >= 0; i -= 1) {
      const id = events[i].session_id;
      if (id && (!this.candidates || this.candidates.has(id))) {
        newest = events[i];
        break;
      }
    }
    if (!newest || newest.session_id === this.session) return null;
    const last = this.items.length ? this.items[this.items.length - 1].t : -Infinity;
    return !this.session || parseTime(newest.timestamp) - last > IDLE_SWITCH_MS ? newest.session_id : null;
  }

  /** Keep the events of the shown session (deduplicated by seq, in seq order, at most CAP). */
  insert(events) {
    let outOfOrder = false;
    let added = 0;
    const lastSeq = this.items.length ? this.items[this.items.length - 1].ev.seq : 0;
    for (const ev of events) {
      if (ev.session_id !== this.session || this.seqs.has(ev.seq)) continue;
      if (ev.seq < lastSeq) outOfOrder = true;
      this.items.push({ t: parseTime(ev.timestamp), ev });
      this.seqs.add(ev.seq);
      added += 1;
    }
    if (outOfOrder) this.items.sort((a, b) => a.ev.seq - b.ev.seq);
    if (this.items.length > CAP * 1.2) {
      for (const item of this.items.splice(0, this.items.length - CAP)) this.seqs.delete(item.ev.seq);
    }
    return added;
  }

  // ------------------------------------------------------------------------------------ time

  /** The server's "now" in browser time, as far as the arrivals tell. */
  now() {
    return this.clock() - (this.skew ?? 0);
  }

  dataStart() {
    return this.items.length ? this.items[0].t : null;
  }

  dataEnd() {
    return this.items.length ? this.items[this.items.length - 1].t : null;
  }

  isLive() {
    const end = this.dataEnd();
    return end !== null && this.now() - end < LIVE_SESSION_MS;
  }

  /** Where "live" is: now while the session is live, else just after its last event. */
  liveEdge() {
    const end = this.dataEnd();
    if (end === null) return this.now();
    return this.isLive() ? Math.max(end, this.now()) : end + Math.min(this.span * 0.05, 1000);
  }

  viewEnd() {
    return this.follow || this.end === null ? this.liveEdge() + this.span * 0.02 : this.end;
  }

  /** The range the scrollbar covers: the session's events and the window, whichever is wider. */
  extent() {
    const start = this.dataStart();
    const end = this.viewEnd();
    const lo = Math.min(start ?? end - this.span, end - this.span);
    const hi = Math.max(this.liveEdge(), end);
    return [lo, hi];
  }

  /** The scrollbar thumb as fractions of the track: {left, width}. */
  thumb() {
    const end = this.viewEnd();
    const start = end - this.span;
    const [lo, hi] = this.extent();
    const total = Math.max(1, hi - lo);
    const left = Math.max(0, Math.min(1, (start - lo) / total));
    const width = Math.max(0, Math.min(1 - left, (end - start) / total));
    return { left, width };
  }

  // -------------------------------------------------------------------------------- geometry

  resize(width, height) {
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
  }

  plotWidth() {
    return Math.max(1, this.width - GUTTER - RIGHT_PAD);
  }

  /** Where things go on the canvas now: {start, end, x(t), top, laneH, laneY(key)}. */
  layout() {
    const end = this.viewEnd();
    const start = end - this.span;
    const plotW = this.plotWidth();
    const top = AXIS + 2;
    const laneH = (this.height - top - 4) / LANES.length;
    const index = Object.fromEntries(LANES.map((lane, i) => [lane.key, i]));
    return {
      start,
      end,
      plotW,
      top,
      laneH,
      x: (t) => GUTTER + ((t - start) / this.span) * plotW,
      laneY: (key) => top + index[key] * laneH,
    };
  }

  /** The time under a canvas x coordinate. */
  timeAt(px) {
    const end = this.viewEnd();
    return end - this.span + ((px - GUTTER) / this.plotWidth()) * this.span;
  }

  // -------------------------------------------------------------------------------- controls

  /** Stop or start following live; stopping keeps the window where it is. */
  setFollow(on) {
    if (!on && (this.follow || this.end === null)) this.end = this.viewEnd();
    this.follow = on;
    if (on) this.end = null;
  }

  /** Zoom by ``factor`` (< 1: in), keeping the time under ``anchorX`` in place when not following. */
  zoomBy(factor, anchorX = null) {
    const end = this.viewEnd();
    const start = end - this.span;
    const newSpan = Math.min(MAX_SPAN, Math.max(MIN_SPAN, this.span * factor));
    if (this.follow || anchorX === null) {
      this.span = newSpan;
      if (!this.follow) this.end = end;
    } else {
      const frac = Math.min(1, Math.max(0, (anchorX - GUTTER) / this.plotWidth()));
      const anchorT = start + frac * this.span;
      this.end = anchorT + (1 - frac) * newSpan;
      this.span = newSpan;
    }
  }

  /** "in", "out" or "fit". */
  zoom(direction, anchorX = null) {
    if (direction === "fit") this.fit();
    else this.zoomBy(direction === "in" ? 1 / 1.6 : 1.6, anchorX);
  }

  /** The whole session in view (following it when it is live). */
  fit() {
    const start = this.dataStart();
    const end = this.dataEnd();
    if (start === null) return;
    const length = Math.max(MIN_SPAN, (Math.max(end, this.isLive() ? this.now() : end) - start) * 1.06);
    this.span = Math.min(MAX_SPAN, length);
    this.setFollow(this.isLive());
    this.end = start - this.span * 0.03 + this.span;
  }

  /** Move the window to end at ``end``; reaching the live edge of a live session follows it again. */
  panTo(end, { settle = false } = {}) {
    if (this.follow) this.setFollow(false);
    this.end = end;
    if (settle) this.settle();
  }

  panBy(ms) {
    this.panTo(this.viewEnd() + ms, { settle: true });
  }

  /** After a drag: a window at or past the live edge of a live session follows it. */
  settle() {
    if (!this.follow && this.end !== null && this.end >= this.liveEdge() - 1 && this.isLive()) this.setFollow(true);
  }

  /** The scrollbar thumb dragged by ``frac`` of the track from a window that ended at ``fromEnd``. */
  scrollThumb(fromEnd, frac) {
    const [lo, hi] = this.extent();
    this.panTo(Math.min(hi, Math.max(lo + this.span, fromEnd + frac * (hi - lo))));
  }

  /** A click on the scrollbar track at ``frac`` of its width centres the window there. */
  scrollTrack(frac) {
    const [lo, hi] = this.extent();
    this.panTo(lo + frac * (hi - lo) + this.span / 2);
  }
}

/** The topmost hit region under (px, py), from regions sorted topmost first. */
export function hitAt(hits, px, py) {
  for (const hit of hits) {
    if (px >= hit.x0 && px <= hit.x1 && py >= hit.y0 && py <= hit.y1) return hit;
  }
  return null;
}
