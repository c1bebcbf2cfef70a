// The per-session timeline, drawn on one canvas (the DOM stays two elements whatever the rate).
// Lanes: VAD (speech segments from speech_start to speech_end), STT (partial and final transcripts
// with their text), TTS (syntheses from start to complete, audio chunks), STS, and lifecycle;
// errors in red in their lane. Wheel or buttons zoom, drag or the scrollbar pans, "Live" follows
// the newest events. Live redraws are throttled to 10 Hz; interaction redraws on the next frame.

import { clippedText, drawMark, roundRect, tickLabel, tickStep } from "./timeline-draw.js";
import { deriveShapes } from "./timeline-shapes.js";
import { clockTime, cssVar, formatDuration, h, parseTime, summaryOf } from "./util.js";

const LANES = [
  { key: "vad", label: "VAD" },
  { key: "stt", label: "STT" },
  { key: "tts", label: "TTS" },
  { key: "sts", label: "STS" },
  { key: "plugin", label: "Lifecycle" },
];
const LANE_INDEX = Object.fromEntries(LANES.map((lane, i) => [lane.key, i]));
const GUTTER = 72;
const RIGHT_PAD = 10;
const AXIS = 22;
const MIN_SPAN = 200;
const MAX_SPAN = 6 * 3600 * 1000;
const DEFAULT_SPAN = 30000;
const CAP = 5000; // events of the shown session kept in memory
const LIVE_INTERVAL_MS = 100; // at most 10 redraws per second while live
const IDLE_SWITCH_MS = 10000; // auto mode: a session this quiet gives way to a busier one
const LIVE_SESSION_MS = 30000; // a session with an event this recent is live (as the server says)
export class Timeline {
  /**
   * parts: {root, canvas, tooltip, empty, scrollbar, thumb, sessionLabel, spanLabel, followButton}
   * options: {onOpen(ev), loadSession(sessionId) -> Promise<events>}
   */
  constructor(parts, options) {
    Object.assign(this, parts);
    this.onOpen = options.onOpen;
    this.loadSession = options.loadSession;
    this.ctx = this.canvas.getContext("2d");
    this.session = null;
    this.pinned = false;
    this.candidates = null; // sessions the filter allows (null: any)
    this.items = []; // {t, ev} of the shown session, ascending seq
    this.seqs = new Set();
    this.span = DEFAULT_SPAN;
    this.end = null;
    this.follow = true;
    this.skew = null; // browser clock minus server clock (ms), from live arrivals
    this.hits = [];
    this.drawn = [];
    this.dirty = false;
    this.lastDraw = 0;
    this.drawTimer = 0;
    this.frame = 0;
    this.liveTimer = 0;
    this.loading = 0;
    this.width = 0;
    this.height = 0;
    this.refreshColors();
    this.bind();
    this.resize();
    this.setFollow(true);
  }

  // ---------------------------------------------------------------------------- sessions

  /** The sessions the filter names: exactly one pins the timeline to it. */
  setFilterSessions(sessions) {
    this.candidates = sessions.length ? new Set(sessions) : null;
    if (sessions.length === 1) {
      this.pinned = true;
      this.switchTo(sessions[0]);
    } else {
      this.pinned = false;
      if (this.session && this.candidates && !this.candidates.has(this.session)) this.switchTo(null);
      else this.switchTo(this.session);
    }
  }

  /** Show this session (null: none yet); reloads its events with the current filters. */
  switchTo(sessionId) {
    this.session = sessionId;
    this.items = [];
    this.seqs = new Set();
    this.hideTooltip();
    this.updateLabel();
    this.root.dataset.session = sessionId || "";
    if (sessionId && this.loadSession) {
      const ticket = ++this.loading;
      this.loadSession(sessionId)
        .then((events) => {
          if (ticket !== this.loading || sessionId !== this.session) return;
          this.insert(events);
          if (this.follow) this.end = null;
          this.requestDraw(true);
        })
        .catch(() => {});
    }
    this.requestDraw(true);
  }

  /** Events from the page (a first load or the live stream), any session, ascending seq. */
  ingest(events, { live = false } = {}) {
    if (!events.length) return;
    if (live) {
      const now = Date.now();
      for (let i = Math.max(0, events.length - 20); i < events.length; i += 1) {
        const lag = now - parseTime(events[i].timestamp);
        if (this.skew === null || lag < this.skew) this.skew = lag;
      }
    }
    if (!this.pinned) this.maybeSwitch(events);
    if (!this.session) return;
    const mine = events.filter((ev) => ev.session_id === this.session);
    if (mine.length) {
      this.insert(mine);
      this.requestDraw(false);
    }
  }

  maybeSwitch(events) {
    let newest = null;
    for (let i = events.length - 1; i >= 0; i -= 1) {
      const id = events[i].session_id;
      if (id && (!this.candidates || this.candidates.has(id))) {
        newest = events[i];
        break;
      }
    }
    if (!newest || newest.session_id === this.session) return;
    const last = this.items.length ? this.items[this.items.length - 1].t : -Infinity;
    if (!this.session || parseTime(newest.timestamp) - last > IDLE_SWITCH_MS) this.switchTo(newest.session_id);
  }

  insert(events) {
    let outOfOrder = false;
    const lastSeq = this.items.length ? this.items[this.items.length - 1].ev.seq : 0;
    for (const ev of events) {
      if (ev.session_id !== this.session || this.seqs.has(ev.seq)) continue;
      if (ev.seq < lastSeq) outOfOrder = true;
      this.items.push({ t: parseTime(ev.timestamp), ev });
      this.seqs.add(ev.seq);
    }
    if (outOfOrder) this.items.sort((a, b) => a.ev.seq - b.ev.seq);
    if (this.items.length > CAP * 1.2) {
      for (const item of this.items.splice(0, this.items.length - CAP)) this.seqs.delete(item.ev.seq);
    }
    this.updateLabel();
  }

  clear() {
    this.switchTo(this.pinned ? this.session : null);
  }

  updateLabel() {
    const label = this.sessionLabel;
    if (!this.session) {
      label.replaceChildren("waiting for a session");
      return;
    }
    const mode = this.pinned ? "pinned by the filter" : "auto: latest session";
    label.replaceChildren("session ", h("b", { text: this.session }), ` · ${mode}`);
    label.title = `${this.session} (${mode})`;
  }

  // ------------------------------------------------------------------------------- time

  /** The server's "now" in browser time, as far as the arrivals tell. */
  now() {
    return Date.now() - (this.skew ?? 0);
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

  plotWidth() {
    return Math.max(1, this.width - GUTTER - RIGHT_PAD);
  }

  // ---------------------------------------------------------------------------- controls

  zoom(direction, anchorX = null) {
    const factor = direction === "in" ? 1 / 1.6 : 1.6;
    if (direction === "fit") {
      this.fit();
      return;
    }
    this.zoomBy(factor, anchorX);
  }

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
    this.requestDraw(true);
  }

  fit() {
    const start = this.dataStart();
    const end = this.dataEnd();
    if (start === null) return;
    const length = Math.max(MIN_SPAN, (Math.max(end, this.isLive() ? this.now() : end) - start) * 1.06);
    this.span = Math.min(MAX_SPAN, length);
    this.setFollow(this.isLive());
    this.end = start - this.span * 0.03 + this.span;
    this.requestDraw(true);
  }

  setFollow(on) {
    if (!on && (this.follow || this.end === null)) this.end = this.viewEnd(); // stay where we are
    this.follow = on;
    this.followButton.setAttribute("aria-pressed", String(on));
    clearInterval(this.liveTimer);
    if (on) {
      this.end = null;
      this.liveTimer = setInterval(() => {
        if (!document.hidden && this.session) this.draw();
      }, LIVE_INTERVAL_MS);
    }
    this.requestDraw(true);
  }

  toggleFollow() {
    this.setFollow(!this.follow);
  }

  panBy(ms) {
    if (this.follow) this.setFollow(false);
    this.end = this.viewEnd() + ms;
    const edge = this.liveEdge();
    if (this.end >= edge && this.isLive()) {
      this.setFollow(true);
      return;
    }
    this.requestDraw(true);
  }

  // ---------------------------------------------------------------------------- events

  bind() {
    new ResizeObserver(() => this.resize()).observe(this.root);
    document.addEventListener("inspector:theme", () => {
      this.refreshColors();
      this.requestDraw(true);
    });
    this.followButton.addEventListener("click", () => this.toggleFollow());
    this.root.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const rect = this.canvas.getBoundingClientRect();
      if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        const delta = ev.shiftKey ? ev.deltaY : ev.deltaX;
        this.panBy((delta * this.span) / this.plotWidth());
      } else {
        this.zoomBy(Math.exp(ev.deltaY * 0.0015), ev.clientX - rect.left);
      }
    }, { passive: false });

    let drag = null;
    this.canvas.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, end: this.viewEnd(), moved: false, id: ev.pointerId };
      this.canvas.setPointerCapture(ev.pointerId);
    });
    this.canvas.addEventListener("pointermove", (ev) => {
      const rect = this.canvas.getBoundingClientRect();
      if (drag) {
        const dx = ev.clientX - drag.x;
        if (!drag.moved && Math.abs(dx) > 3) {
          drag.moved = true;
          this.root.classList.add("is-dragging");
          this.hideTooltip();
          if (this.follow) this.setFollow(false);
        }
        if (drag.moved) {
          this.end = drag.end - (dx * this.span) / this.plotWidth();
          this.requestDraw(true);
        }
        return;
      }
      this.hover(ev.clientX - rect.left, ev.clientY - rect.top);
    });
    const finish = (ev) => {
      if (!drag) return;
      const wasClick = !drag.moved;
      this.root.classList.remove("is-dragging");
      drag = null;
      if (wasClick && ev.type === "pointerup") {
        const rect = this.canvas.getBoundingClientRect();
        const hit = this.hitAt(ev.clientX - rect.left, ev.clientY - rect.top);
        if (hit) this.onOpen?.(hit.open);
      } else if (this.end !== null && this.end >= this.liveEdge() && this.isLive()) {
        this.setFollow(true);
      }
    };
    this.canvas.addEventListener("pointerup", finish);
    this.canvas.addEventListener("pointercancel", finish);
    this.canvas.addEventListener("pointerleave", () => {
      if (!drag) this.hideTooltip();
    });

    // The scrollbar: the thumb is the view within the session's extent.
    let thumbDrag = null;
    this.thumb.addEventListener("pointerdown", (ev) => {
      ev.stopPropagation();
      thumbDrag = { x: ev.clientX, end: this.viewEnd() };
      this.thumb.setPointerCapture(ev.pointerId);
      this.thumb.classList.add("is-dragging");
    });
    this.thumb.addEventListener("pointermove", (ev) => {
      if (!thumbDrag) return;
      const extent = this.extent();
      const width = this.scrollbar.clientWidth || 1;
      if (this.follow) this.setFollow(false);
      this.end = thumbDrag.end + ((ev.clientX - thumbDrag.x) / width) * (extent[1] - extent[0]);
      this.end = Math.min(extent[1], Math.max(extent[0] + this.span, this.end));
      this.requestDraw(true);
    });
    const endThumb = () => {
      if (!thumbDrag) return;
      thumbDrag = null;
      this.thumb.classList.remove("is-dragging");
      if (this.end !== null && this.end >= this.extent()[1] - 1 && this.isLive()) this.setFollow(true);
    };
    this.thumb.addEventListener("pointerup", endThumb);
    this.thumb.addEventListener("pointercancel", endThumb);
    this.scrollbar.addEventListener("pointerdown", (ev) => {
      if (ev.target === this.thumb) return;
      const extent = this.extent();
      const rect = this.scrollbar.getBoundingClientRect();
      const frac = (ev.clientX - rect.left) / (rect.width || 1);
      if (this.follow) this.setFollow(false);
      this.end = extent[0] + frac * (extent[1] - extent[0]) + this.span / 2;
      this.requestDraw(true);
    });
  }

  resize() {
    const rect = this.root.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, Math.round(rect.width));
    this.height = Math.max(1, Math.round(rect.height));
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.draw();
  }

  refreshColors() {
    const el = this.root;
    this.colors = {
      bg: cssVar(el, "--tl-bg"),
      grid: cssVar(el, "--tl-grid"),
      lane: cssVar(el, "--tl-lane"),
      text: cssVar(el, "--tl-text"),
      strong: cssVar(el, "--text"),
      now: cssVar(el, "--tl-now"),
      border: cssVar(el, "--border"),
      vad: cssVar(el, "--k-vad"),
      stt: cssVar(el, "--k-stt"),
      tts: cssVar(el, "--k-tts"),
      sts: cssVar(el, "--k-sts"),
      plugin: cssVar(el, "--k-plugin"),
      error: cssVar(el, "--k-error"),
      elev: cssVar(el, "--bg-elev"),
    };
    this.font = getComputedStyle(el).getPropertyValue("--font-mono").trim() || "monospace";
  }

  /** Redraw soon: on the next frame for interaction, at most 10 Hz for live data. */
  requestDraw(immediate) {
    if (immediate) {
      if (!this.frame) {
        this.frame = requestAnimationFrame(() => {
          this.frame = 0;
          this.draw();
        });
      }
      return;
    }
    if (this.follow) return; // the live timer draws at 10 Hz anyway
    if (this.drawTimer) return;
    const wait = Math.max(0, LIVE_INTERVAL_MS - (performance.now() - this.lastDraw));
    this.drawTimer = setTimeout(() => {
      this.drawTimer = 0;
      this.draw();
    }, wait);
  }

  extent() {
    const start = this.dataStart();
    const edge = this.liveEdge();
    const end = this.viewEnd();
    const lo = Math.min(start ?? end - this.span, end - this.span);
    const hi = Math.max(edge, end);
    return [lo, hi];
  }

  // ------------------------------------------------------------------------------ shapes

  // ------------------------------------------------------------------------------- draw

  draw() {
    this.lastDraw = performance.now();
    const ctx = this.ctx;
    const c = this.colors;
    const W = this.width;
    const H = this.height;
    if (W < 2 || H < 2) return;
    const plotW = this.plotWidth();
    const end = this.viewEnd();
    const start = end - this.span;
    const x = (t) => GUTTER + ((t - start) / this.span) * plotW;
    const top = AXIS + 2;
    const laneH = (H - top - 4) / LANES.length;
    const laneY = (key) => top + LANE_INDEX[key] * laneH;

    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = c.bg;
    ctx.fillRect(0, 0, W, H);
    LANES.forEach((lane, i) => {
      if (i % 2 === 0) {
        ctx.fillStyle = c.lane;
        ctx.fillRect(GUTTER, top + i * laneH, plotW + RIGHT_PAD, laneH);
      }
    });

    // time grid
    const step = tickStep(this.span, plotW);
    ctx.font = `10.5px ${this.font}`;
    ctx.textBaseline = "middle";
    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = c.text;
    for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(px, AXIS - 4);
      ctx.lineTo(px, H);
      ctx.stroke();
      ctx.fillText(tickLabel(t, step), px + 4, AXIS / 2);
    }
    ctx.strokeStyle = c.border;
    ctx.beginPath();
    ctx.moveTo(0, AXIS + 0.5);
    ctx.lineTo(W, AXIS + 0.5);
    ctx.stroke();

    const edge = this.liveEdge();
    const { spans, marks } = deriveShapes(this.items, edge);
    const hits = [];
    const drawn = [];
    const visible = (t0, t1) => t1 >= start && t0 <= end;

    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, top, plotW + RIGHT_PAD, H - top);
    ctx.clip();

    // spans: speech segments and syntheses
    for (const span of spans) {
      if (!visible(span.t0, span.t1)) continue;
      const color = span.failed ? c.error : c[span.lane];
      const y = laneY(span.lane) + laneH * 0.22;
      const hgt = laneH * 0.56;
      const x0 = x(span.t0);
      const x1 = Math.max(x0 + 2, x(span.t1));
      ctx.globalAlpha = span.open ? 0.16 : 0.24;
      ctx.fillStyle = color;
      roundRect(ctx, x0, y, x1 - x0, hgt, 3);
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.2;
      if (span.open) ctx.setLineDash([4, 3]);
      roundRect(ctx, x0 + 0.5, y + 0.5, x1 - x0 - 1, hgt - 1, 3);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = color;
      ctx.fillRect(x0, y, 2, hgt);
      if (span.label && x1 - x0 > 34) {
        ctx.fillStyle = c.strong;
        ctx.font = `11px ${this.font}`;
        clippedText(ctx, span.label, x0 + 7, y + hgt / 2, x1 - x0 - 12);
      }
      const open = span.end ? span.end.ev : span.start.ev;
      hits.push({ x0, x1, y0: y, y1: y + hgt, span, open, priority: 0 });
      drawn.push({ id: open.event_id, type: open.event_type, session: open.session_id, lane: span.lane, kind: "span" });
    }

    // marks, then their labels (each label stops where the next one in its lane begins)
    const labels = [];
    for (const mark of marks) {
      if (!visible(mark.t, mark.t)) continue;
      const px = x(mark.t);
      const cy = laneY(mark.lane) + laneH / 2;
      const ev = mark.item.ev;
      const color = mark.shape === "error" ? c.error : c[mark.lane];
      drawMark(ctx, mark.shape, px, cy, laneH, color, c.elev);
      const r = mark.shape === "error" ? 7 : 5;
      hits.push({ x0: px - r, x1: px + r, y0: cy - laneH / 2, y1: cy + laneH / 2, mark, open: ev, priority: mark.shape === "error" ? 2 : 1 });
      drawn.push({ id: ev.event_id, type: ev.event_type, session: ev.session_id, lane: mark.lane, kind: mark.shape });
      if (mark.label) labels.push({ px, cy, mark });
    }
    ctx.font = `11px ${this.font}`;
    for (let i = 0; i < labels.length; i += 1) {
      const { px, cy, mark } = labels[i];
      let limit = GUTTER + plotW - px - 8;
      for (let j = i + 1; j < labels.length; j += 1) {
        if (labels[j].mark.lane === mark.lane) {
          limit = labels[j].px - px - 12;
          break;
        }
      }
      if (limit < 24) continue;
      ctx.fillStyle = mark.partial ? c.text : c.strong;
      clippedText(ctx, mark.label, px + 8, cy, limit);
    }

    // the live edge
    if (this.session && edge >= start && edge <= end && this.isLive()) {
      const px = Math.round(x(edge)) + 0.5;
      ctx.strokeStyle = c.now;
      ctx.globalAlpha = 0.85;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, H);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    ctx.restore();

    // gutter with lane names, drawn last so nothing spills into it
    ctx.fillStyle = c.bg;
    ctx.fillRect(0, 0, GUTTER, H);
    ctx.strokeStyle = c.border;
    ctx.beginPath();
    ctx.moveTo(GUTTER - 0.5, 0);
    ctx.lineTo(GUTTER - 0.5, H);
    ctx.stroke();
    ctx.font = `600 11px ${this.font}`;
    LANES.forEach((lane, i) => {
      const cy = top + i * laneH + laneH / 2;
      ctx.fillStyle = c[lane.key];
      ctx.fillRect(10, cy - 4, 3, 8);
      ctx.fillStyle = c.text;
      ctx.fillText(lane.label, 18, cy);
    });

    // errors first, then marks, then spans; among equals, what was drawn last (on top) first
    hits.forEach((hit, index) => {
      hit.order = index;
    });
    hits.sort((a, b) => b.priority - a.priority || b.order - a.order);
    this.hits = hits;
    this.drawn = drawn;
    this.root.dataset.items = String(drawn.length);
    this.empty.hidden = this.items.length > 0;
    this.spanLabel.textContent = formatDuration(this.span);
    this.updateScrollbar(start, end);
  }

  updateScrollbar(start, end) {
    const [lo, hi] = this.extent();
    const total = Math.max(1, hi - lo);
    const left = Math.max(0, Math.min(1, (start - lo) / total));
    const width = Math.max(0, Math.min(1 - left, (end - start) / total));
    this.thumb.style.left = `${(left * 100).toFixed(3)}%`;
    this.thumb.style.width = `${(width * 100).toFixed(3)}%`;
  }

  // ---------------------------------------------------------------------------- hover

  hitAt(px, py) {
    for (const hit of this.hits) {
      if (px >= hit.x0 && px <= hit.x1 && py >= hit.y0 && py <= hit.y1) return hit;
    }
    return null;
  }

  hover(px, py) {
    const hit = this.hitAt(px, py);
    if (!hit) {
      this.hideTooltip();
      this.canvas.style.cursor = "";
      return;
    }
    this.canvas.style.cursor = "pointer";
    const tip = this.tooltip;
    const ev = hit.open;
    const rows = [];
    if (hit.span) {
      const s = hit.span;
      const kind = s.lane === "vad" ? "speech" : "synthesis";
      const duration = s.open ? `${formatDuration(s.t1 - s.t0)} so far` : formatDuration(s.t1 - s.t0);
      rows.push(h("div", { className: "tt-head" },
        h("span", { className: "badge", dataset: { kind: s.failed ? "error" : s.lane }, text: s.failed ? "synthesis failed" : kind }),
        h("span", { className: "tt-time", text: `${clockTime(s.t0)} · ${duration}` })));
      if (s.label) rows.push(h("div", { className: "tt-text", text: s.label }));
    } else {
      rows.push(h("div", { className: "tt-head" },
        h("span", { className: "badge", dataset: { type: ev.event_type }, text: ev.event_type }),
        h("span", { className: "tt-time", text: clockTime(hit.mark.t) })));
      const summary = summaryOf(ev);
      if (summary.text) {
        const conf = typeof ev.confidence === "number" ? ` · ${ev.confidence.toFixed(2)}` : "";
        rows.push(h("div", { className: "tt-text", text: `${summary.text}${conf}` }));
      }
    }
    rows.push(h("div", { className: "tt-foot", text: `${ev.plugin_name || "no plugin"} · #${ev.seq} · click to open` }));
    tip.replaceChildren(...rows);
    tip.hidden = false;
    const width = tip.offsetWidth;
    const left = Math.min(Math.max(4, px + 12), this.width - width - 4);
    const above = py - tip.offsetHeight - 10;
    tip.style.left = `${left}px`;
    tip.style.top = `${above > 0 ? above : py + 14}px`;
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }
}
