// The live event list: newest first, at most `cap` rows in the DOM (the oldest go), DOM work done
// once per animation frame whatever the event rate. Pause keeps arriving events (the newest
// `pauseCap` of them in memory, the rest counted); resume shows them, fetching from the API the
// ones that did not fit. Rows are built with textContent only: event text is never parsed as HTML.

import { h } from "./dom.js";
import { audioActions, confidenceOf } from "./event-view.js";
import { clockTime, parseTime, shortId } from "./format.js";
import { RateWindow, listPacing } from "./pacing.js";
import { urls } from "./urls.js";

const ROW_TEMPLATE = h("div", { className: "row", attrs: { role: "option", "aria-selected": "false" } },
  h("span", { className: "c-time" }),
  h("span", { className: "c-type" }, h("span", { className: "badge" })),
  h("span", { className: "c-plugin" }),
  h("span", { className: "c-session" }),
  h("span", { className: "c-summary" }, h("span")),
  h("span", { className: "c-actions" }));
const PLAY_TEMPLATE = h("button", { className: "row-play", attrs: { type: "button", tabindex: "-1" } },
  h("span", { className: "row-play-icon", text: "▶", attrs: { "aria-hidden": "true" } }), h("span"));

export class EventList {
  /**
   * options: cap (rows in the DOM), pauseCap (events kept in memory while paused),
   * loadAfter(seq, limit) -> Promise<events> (fills what a pause or a drop left out),
   * onOpen(ev), onPlay(action, ev), onChange({rows, paused, newCount}).
   */
  constructor(container, options) {
    this.el = container;
    this.cap = options.cap || 500;
    this.pauseCap = options.pauseCap || 250;
    this.loadAfter = options.loadAfter;
    this.onOpen = options.onOpen;
    this.onPlay = options.onPlay;
    this.onChange = options.onChange || (() => {});
    this.bySeq = new Map(); // seq -> event, for the rows in the DOM
    this.pending = []; // arrived, not yet drawn (ascending seq)
    this.queue = []; // arrived while paused (ascending seq, newest pauseCap kept)
    this.paused = false;
    this.newCount = 0; // arrived while paused, kept or not
    this.overflow = false; // the pause queue had to forget some
    this.newestSeq = 0; // newest seq drawn or queued
    this.selectedSeq = null;
    this.openSeq = null;
    this.frame = 0;
    this.timer = 0;
    this.lastFlush = 0;
    this.minInterval = 0;
    this.generation = 0;
    this.rate = new RateWindow(1000);
    this.bind();
  }

  bind() {
    this.el.addEventListener("mouseover", (ev) => {
      const row = ev.target.closest(".row");
      if (row) this.describe(row);
    });
    this.el.addEventListener("click", (ev) => {
      const play = ev.target.closest("[data-audio-url]");
      const row = ev.target.closest(".row");
      if (!row || !this.el.contains(row)) return;
      const event = this.bySeq.get(Number(row.dataset.seq));
      this.select(Number(row.dataset.seq), { scroll: false });
      if (play) {
        ev.stopPropagation();
        this.onPlay?.(
          { url: play.dataset.audioUrl, name: play.dataset.audioLabel, durationMs: Number(play.dataset.audioDurationMs) || null },
          event,
        );
        return;
      }
      if (event) this.open(event);
    });
  }

  get rowCount() {
    return this.bySeq.size;
  }

  // ------------------------------------------------------------------------------- arrivals

  /** Live events, ascending seq. */
  add(events) {
    if (!events.length) return;
    this.newestSeq = Math.max(this.newestSeq, events[events.length - 1].seq);
    if (this.paused) {
      this.newCount += events.length;
      this.queue.push(...events);
      if (this.queue.length > this.pauseCap) {
        this.queue.splice(0, this.queue.length - this.pauseCap);
        this.overflow = true;
      }
      this.changed();
      return;
    }
    this.pending.push(...events);
    if (this.pending.length > this.cap * 2) this.pending.splice(0, this.pending.length - this.cap);
    this.schedule();
  }

  /** Draw on the next frame, or after the minimum interval that the arrival rate sets. */
  schedule() {
    if (this.frame || this.timer) return;
    const wait = this.minInterval - (performance.now() - this.lastFlush);
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = 0;
        this.frame = requestAnimationFrame(() => this.flush());
      }, wait);
    } else {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  /** Draw what arrived since the last frame: one DocumentFragment, one trim. */
  flush() {
    this.frame = 0;
    if (!this.pending.length) return;
    let batch = this.pending;
    const arrived = batch.length;
    this.pending = [];
    const first = this.el.querySelector(".row");
    const newestDrawn = first ? Number(first.dataset.seq) : 0;
    if (batch[0].seq <= newestDrawn) {
      this.merge(batch); // out of order (a backfill): redraw once
      return;
    }
    if (batch.length > this.cap) batch = batch.slice(batch.length - this.cap);
    const now = performance.now();
    this.lastFlush = now;
    const { highlight, minIntervalMs } = listPacing(this.rate.add(now, arrived));
    this.minInterval = minIntervalMs;
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i -= 1) {
      const ev = batch[i];
      if (this.bySeq.has(ev.seq)) continue;
      fragment.append(this.row(ev, highlight));
      this.bySeq.set(ev.seq, ev);
    }
    this.el.prepend(fragment);
    this.trim();
    this.changed();
  }

  /** Remove the oldest rows beyond the cap, in one DOM operation. */
  trim() {
    const extra = this.el.childElementCount - this.cap;
    if (extra <= 0) return;
    const children = this.el.children;
    const first = children[children.length - extra];
    for (let i = children.length - extra; i < children.length; i += 1) {
      const seq = Number(children[i].dataset.seq);
      if (!seq) continue;
      this.bySeq.delete(seq);
      if (seq === this.selectedSeq) this.selectedSeq = null;
    }
    const range = document.createRange();
    range.setStartBefore(first);
    range.setEndAfter(this.el.lastChild);
    range.deleteContents();
  }

  /** Replace everything by these events (ascending seq): a new filter, a first load. */
  reset(events = []) {
    this.generation += 1;
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = 0;
    this.timer = 0;
    this.pending = [];
    this.queue = [];
    this.newCount = 0;
    this.overflow = false;
    this.bySeq.clear();
    this.el.replaceChildren();
    this.selectedSeq = null;
    this.newestSeq = events.length ? events[events.length - 1].seq : 0;
    this.renderAll(events, false);
  }

  /** Redraw with these events added to the rows already drawn (deduplicated by seq). */
  merge(events) {
    const all = new Map(this.bySeq);
    for (const ev of events) all.set(ev.seq, ev);
    const sorted = [...all.values()].sort((a, b) => a.seq - b.seq);
    const notices = [...this.el.querySelectorAll(".row-notice")];
    this.bySeq.clear();
    this.el.replaceChildren();
    this.renderAll(sorted, false);
    // keep the drop and gap notices where their seq puts them
    for (const notice of notices) this.placeNotice(notice, Number(notice.dataset.afterSeq));
  }

  renderAll(sorted, markNew) {
    const keep = sorted.length > this.cap ? sorted.slice(sorted.length - this.cap) : sorted;
    const fragment = document.createDocumentFragment();
    for (let i = keep.length - 1; i >= 0; i -= 1) {
      fragment.append(this.row(keep[i], markNew));
      this.bySeq.set(keep[i].seq, keep[i]);
    }
    this.el.append(fragment);
    if (this.selectedSeq !== null) this.markSelected();
    this.changed();
  }

  clear() {
    this.reset([]);
  }

  // ------------------------------------------------------------------------------ pause

  pause() {
    if (this.paused) return;
    clearTimeout(this.timer);
    this.timer = 0;
    this.flush();
    this.paused = true;
    this.newCount = 0;
    this.overflow = false;
    this.queue = [];
    this.changed();
  }

  /** Show what arrived while paused, fetching what the in-memory queue could not keep. */
  async resume() {
    if (!this.paused) return;
    const generation = this.generation;
    const drawnNewest = this.el.querySelector(".row") ? Number(this.el.querySelector(".row").dataset.seq) : 0;
    let arrived = this.queue;
    if (this.overflow && this.loadAfter) {
      this.resuming = true;
      this.changed();
      try {
        const fetched = await this.loadAfter(drawnNewest, this.cap);
        if (generation !== this.generation) return;
        const bySeq = new Map(fetched.map((ev) => [ev.seq, ev]));
        for (const ev of this.queue) bySeq.set(ev.seq, ev); // events that came during the fetch
        arrived = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
      } catch (err) {
        arrived = this.queue; // show what we kept; the notice says the rest is missing
        this.notice("bad", `Could not load the events missed while paused: ${err.message}`, drawnNewest);
      } finally {
        this.resuming = false;
      }
    }
    this.paused = false;
    this.queue = [];
    this.newCount = 0;
    this.overflow = false;
    this.pending.push(...arrived.filter((ev) => ev.seq > drawnNewest));
    this.flush();
    this.changed();
  }

  toggle() {
    return this.paused ? this.resume() : this.pause();
  }

  // ---------------------------------------------------------------------------- notices

  /** A line in the list (a gap or drops), placed after the row of ``afterSeq``. */
  notice(kind, text, afterSeq, action = null) {
    this.flush();
    const notice = h("div", {
      className: `row-notice${kind === "bad" ? " is-bad" : ""}`,
      dataset: { afterSeq: afterSeq || 0 },
      attrs: { role: "note" },
    }, h("span", { text }));
    if (action) {
      const button = h("button", { className: "btn btn-small", text: action.label, attrs: { type: "button" } });
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await action.run();
          notice.remove();
        } catch (err) {
          button.disabled = false;
          notice.firstChild.textContent = `${text} (${err.message})`;
        }
      });
      notice.append(button);
    }
    this.placeNotice(notice, afterSeq);
    return notice;
  }

  placeNotice(notice, afterSeq) {
    const rows = this.el.querySelectorAll(".row");
    for (const row of rows) {
      if (Number(row.dataset.seq) <= afterSeq) {
        row.before(notice);
        return;
      }
    }
    this.el.append(notice);
  }

  /** Fetch and merge what the server says it dropped after ``afterSeq``. */
  async backfill(afterSeq) {
    const events = await this.loadAfter(afterSeq, this.cap);
    this.merge(events);
    return events.length;
  }

  // -------------------------------------------------------------------------- rows

  row(ev, isNew) {
    // Cloning a prepared row is several times cheaper than building one element by element; at
    // 2,000 events/s this is the page's main cost. Tooltips (title) are set lazily on hover.
    const type = ev.event_type;
    const row = ROW_TEMPLATE.cloneNode(true);
    if (ev.is_error) row.classList.add("is-error");
    if (isNew) row.classList.add("is-new");
    row.id = `ev-${ev.seq}`;
    const data = row.dataset;
    data.seq = ev.seq;
    data.eventId = ev.event_id;
    data.type = type;
    data.kind = ev.kind; // colours and filters come from the server's vocabulary, not the type's name
    data.family = ev.family;
    if (ev.session_id) data.session = ev.session_id;
    const [time, typeCell, plugin, session, summaryCell, actions] = row.children;
    time.textContent = clockTime(parseTime(ev.timestamp));
    typeCell.firstChild.textContent = type;
    plugin.textContent = ev.plugin_name || "—";
    session.textContent = shortId(ev.session_id);
    const text = summaryCell.firstChild;
    text.textContent = ev.summary;
    if (ev.summary_quiet) text.className = "quiet";
    const confidence = confidenceOf(ev);
    if (confidence !== null) {
      const conf = document.createElement("span");
      conf.className = confidence < 0.5 ? "conf is-low" : "conf";
      conf.textContent = confidence.toFixed(2);
      summaryCell.append(conf);
    }
    for (const action of audioActions(ev, urls)) {
      const button = PLAY_TEMPLATE.cloneNode(true);
      button.dataset.audioUrl = action.url;
      button.dataset.audioLabel = action.name;
      if (action.durationMs != null) button.dataset.audioDurationMs = action.durationMs;
      button.setAttribute("aria-label", action.title);
      button.lastChild.textContent = action.label;
      actions.append(button);
    }
    if (ev.seq === this.selectedSeq) row.setAttribute("aria-selected", "true");
    if (ev.seq === this.openSeq) row.classList.add("is-open");
    return row;
  }

  /** Tooltips for a row's cells, made when the pointer first reaches it (not for every row). */
  describe(row) {
    if (row.dataset.described) return;
    row.dataset.described = "1";
    const ev = this.bySeq.get(Number(row.dataset.seq));
    if (!ev) return;
    const [time, , plugin, session, summaryCell, actions] = row.children;
    time.title = ev.timestamp;
    plugin.title = ev.plugin_name || "";
    session.title = ev.session_id || "";
    summaryCell.title = summaryCell.textContent;
    for (const button of actions.children) button.title = button.getAttribute("aria-label");
  }

  // ------------------------------------------------------------------------- selection

  get selected() {
    return this.selectedSeq !== null ? this.bySeq.get(this.selectedSeq) || null : null;
  }

  select(seq, { scroll = true } = {}) {
    if (this.selectedSeq !== null) {
      const old = document.getElementById(`ev-${this.selectedSeq}`);
      if (old) old.setAttribute("aria-selected", "false");
    }
    this.selectedSeq = seq;
    const row = this.markSelected();
    if (row && scroll) row.scrollIntoView({ block: "nearest" });
    return row;
  }

  markSelected() {
    const row = this.selectedSeq !== null ? document.getElementById(`ev-${this.selectedSeq}`) : null;
    if (row) {
      row.setAttribute("aria-selected", "true");
      this.el.setAttribute("aria-activedescendant", row.id);
    } else {
      this.el.removeAttribute("aria-activedescendant");
    }
    return row;
  }

  /** Move the selection by ``delta`` rows (positive: down, towards older events). */
  move(delta) {
    const rows = this.el.querySelectorAll(".row");
    if (!rows.length) return null;
    const current = this.selectedSeq !== null ? document.getElementById(`ev-${this.selectedSeq}`) : null;
    let index = current ? Array.prototype.indexOf.call(rows, current) + delta : delta > 0 ? 0 : rows.length - 1;
    index = Math.max(0, Math.min(rows.length - 1, index));
    const row = rows[index];
    this.select(Number(row.dataset.seq));
    return this.bySeq.get(Number(row.dataset.seq)) || null;
  }

  open(ev) {
    if (this.openSeq !== null) document.getElementById(`ev-${this.openSeq}`)?.classList.remove("is-open");
    this.openSeq = ev ? ev.seq : null;
    if (ev) {
      document.getElementById(`ev-${ev.seq}`)?.classList.add("is-open");
      this.onOpen?.(ev);
    }
  }

  changed() {
    this.onChange({ rows: this.rowCount, paused: this.paused, newCount: this.newCount, resuming: Boolean(this.resuming) });
  }
}
