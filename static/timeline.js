// The per-session timeline, drawn on one canvas (the DOM stays two elements whatever the rate).
// Lanes: VAD (speech segments from speech_start to speech_end), STT (partial and final transcripts
// with their text), TTS (syntheses from start to complete, audio chunks), STS, and lifecycle; errors
// in red in their lane. Wheel or buttons zoom, drag or the scrollbar pans, "Live" follows the newest
// events. Live redraws are throttled to 10 Hz; interaction redraws on the next frame.
//
// The parts: timeline-view.js (state and arithmetic), timeline-draw.js (painting),
// timeline-input.js (pointer and wheel), and this controller, which owns the DOM around the canvas.
// What is drawn is summarized on the root element (data-session, data-items, data-types,
// data-sessions) for assistive tools and tests.

import { cssVar, h } from "./dom.js";
import { clockTime, formatDuration } from "./format.js";
import { drawTimeline } from "./timeline-draw.js";
import { bindTimelineInput } from "./timeline-input.js";
import { TimelineView, hitAt } from "./timeline-view.js";

const LIVE_INTERVAL_MS = 100; // at most 10 redraws per second while live

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
    this.view = new TimelineView();
    this.hits = [];
    this.summary = "";
    this.lastDraw = 0;
    this.drawTimer = 0;
    this.frame = 0;
    this.liveTimer = 0;
    this.liveTimerOn = false;
    this.loading = 0;
    this.refreshColors();
    bindTimelineInput(this);
    new ResizeObserver(() => this.resize()).observe(this.root);
    document.addEventListener("inspector:theme", () => {
      this.refreshColors();
      this.requestDraw(true);
    });
    this.followButton.addEventListener("click", () => this.toggleFollow());
    this.resize();
    this.update(() => this.view.setFollow(true));
  }

  get session() {
    return this.view.session;
  }

  // ------------------------------------------------------------------------------ sessions

  /** The sessions the filter names: exactly one pins the timeline to it. */
  setFilterSessions(sessions) {
    this.switchTo(this.view.filterSessions(sessions));
  }

  /** Show this session (null: none yet); reloads its events with the current filters. */
  switchTo(sessionId) {
    this.view.show(sessionId);
    this.hideTooltip();
    this.updateLabel();
    this.root.dataset.session = sessionId || "";
    if (sessionId && this.loadSession) {
      const ticket = ++this.loading;
      this.loadSession(sessionId)
        .then((events) => {
          if (ticket !== this.loading || sessionId !== this.view.session) return;
          this.view.insert(events);
          this.update(() => {
            if (this.view.follow) this.view.end = null;
          });
        })
        .catch(() => {}); // the live stream still fills it
    }
    this.requestDraw(true);
  }

  /** Events from the page (a first load or the live stream), any session, ascending seq. */
  ingest(events, { live = false } = {}) {
    const next = this.view.arrivals(events, { live });
    if (next !== null) {
      this.switchTo(next);
      this.view.insert(events);
      this.requestDraw(true);
    } else if (this.view.added) {
      this.updateLabel();
      this.requestDraw(false);
    }
  }

  clear() {
    this.switchTo(this.view.pinned ? this.view.session : null);
  }

  updateLabel() {
    const label = this.sessionLabel;
    const session = this.view.session;
    if (!session) {
      label.replaceChildren("waiting for a session");
      return;
    }
    const mode = this.view.pinned ? "pinned by the filter" : "auto: latest session";
    label.replaceChildren("session ", h("b", { text: session }), ` · ${mode}`);
    label.title = `${session} (${mode})`;
  }

  // ------------------------------------------------------------------------------ controls

  /** Change the view (a function of it), then follow-button, live timer and a redraw. */
  update(change) {
    change();
    this.syncFollow();
    this.requestDraw(true);
  }

  zoom(direction) {
    this.update(() => this.view.zoom(direction));
  }

  toggleFollow() {
    this.update(() => this.view.setFollow(!this.view.follow));
  }

  syncFollow() {
    const on = this.view.follow;
    this.followButton.setAttribute("aria-pressed", String(on));
    if (on === this.liveTimerOn) return;
    this.liveTimerOn = on;
    clearInterval(this.liveTimer);
    if (on) {
      this.liveTimer = setInterval(() => {
        if (!document.hidden && this.view.session) this.draw();
      }, LIVE_INTERVAL_MS);
    }
  }

  /** A click on the canvas: open the event under it. */
  openAt(px, py) {
    const hit = hitAt(this.hits, px, py);
    if (hit) this.onOpen?.(hit.open);
  }

  // ------------------------------------------------------------------------------ drawing

  resize() {
    const rect = this.root.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.view.resize(rect.width, rect.height);
    this.canvas.width = Math.round(this.view.width * dpr);
    this.canvas.height = Math.round(this.view.height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.draw();
  }

  refreshColors() {
    const el = this.root;
    const names = { bg: "--tl-bg", grid: "--tl-grid", lane: "--tl-lane", text: "--tl-text", strong: "--text",
      now: "--tl-now", border: "--border", vad: "--k-vad", stt: "--k-stt", tts: "--k-tts", sts: "--k-sts",
      plugin: "--k-plugin", error: "--k-error", elev: "--bg-elev" };
    this.colors = Object.fromEntries(Object.entries(names).map(([key, name]) => [key, cssVar(el, name)]));
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
    if (this.view.follow) return; // the live timer draws at 10 Hz anyway
    if (this.drawTimer) return;
    const wait = Math.max(0, LIVE_INTERVAL_MS - (performance.now() - this.lastDraw));
    this.drawTimer = setTimeout(() => {
      this.drawTimer = 0;
      this.draw();
    }, wait);
  }

  draw() {
    this.lastDraw = performance.now();
    const view = this.view;
    if (view.width < 2 || view.height < 2) return;
    const { hits, drawn } = drawTimeline(this.ctx, view, { colors: this.colors, font: this.font });
    this.hits = hits;
    this.describe(drawn);
    this.empty.hidden = view.items.length > 0;
    this.spanLabel.textContent = formatDuration(view.span);
    const { left, width } = view.thumb();
    this.thumb.style.left = `${(left * 100).toFixed(3)}%`;
    this.thumb.style.width = `${(width * 100).toFixed(3)}%`;
  }

  /** What the canvas shows, on the root element: how many shapes, of which types and sessions. */
  describe(drawn) {
    const types = [...new Set(drawn.map((d) => d.type))].sort().join(" ");
    const sessions = [...new Set(drawn.map((d) => d.session).filter(Boolean))].sort().join(" ");
    const summary = `${drawn.length}|${types}|${sessions}`;
    if (summary === this.summary) return;
    this.summary = summary;
    Object.assign(this.root.dataset, { items: String(drawn.length), types, sessions });
  }

  // ------------------------------------------------------------------------------ tooltip

  hover(px, py) {
    const hit = hitAt(this.hits, px, py);
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
      const what = s.lane === "vad" ? "speech" : "synthesis";
      const duration = s.open ? `${formatDuration(s.t1 - s.t0)} so far` : formatDuration(s.t1 - s.t0);
      rows.push(h("div", { className: "tt-head" },
        h("span", { className: "badge", dataset: { family: s.lane, kind: s.failed ? "error" : null }, text: s.failed ? "synthesis failed" : what }),
        h("span", { className: "tt-time", text: `${clockTime(s.t0)} · ${duration}` })));
      if (s.label) rows.push(h("div", { className: "tt-text", text: s.label }));
    } else {
      rows.push(h("div", { className: "tt-head" },
        h("span", { className: "badge", dataset: { type: ev.event_type, family: ev.family, kind: ev.kind }, text: ev.event_type }),
        h("span", { className: "tt-time", text: clockTime(hit.mark.t) })));
      if (ev.summary) {
        const conf = typeof ev.confidence === "number" ? ` · ${ev.confidence.toFixed(2)}` : "";
        rows.push(h("div", { className: "tt-text", text: `${ev.summary}${conf}` }));
      }
    }
    rows.push(h("div", { className: "tt-foot", text: `${ev.plugin_name || "no plugin"} · #${ev.seq} · click to open` }));
    tip.replaceChildren(...rows);
    tip.hidden = false;
    const width = tip.offsetWidth;
    const left = Math.min(Math.max(4, px + 12), this.view.width - width - 4);
    const above = py - tip.offsetHeight - 10;
    tip.style.left = `${left}px`;
    tip.style.top = `${above > 0 ? above : py + 14}px`;
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }
}
