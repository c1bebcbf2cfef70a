// The Live page: filter bar, event list, timeline, detail panel, audio player and the stream, wired
// together; the list and the stream reload when the filters change. Keyboard shortcuts of the page.

import { fetchJSON } from "./api.js";
import { AudioPlayer } from "./audio.js";
import { DetailPanel } from "./detail.js";
import { EventList } from "./event-list.js";
import { audioActions } from "./event-view.js";
import { FilterBar } from "./filters.js";
import { isTyping } from "./dom.js";
import { formatRate } from "./format.js";
import { EventStream } from "./stream.js";
import { Timeline } from "./timeline.js";
import { urls } from "./urls.js";

const ROW_CAP = 500; // rows in the DOM
const PAUSE_CAP = 250; // events kept in memory while paused (the rest is fetched on resume)
const TIMELINE_LOAD = 5000; // events of one session loaded for the timeline
const FOLLOW_SELECTION_MS = 120; // the detail follows the keyboard selection after this pause

const $ = (selector, root = document) => root.querySelector(selector);

/** Start the Live page; returns its parts (the debug handle). */
export function initLive() {
  const filters = new FilterBar($("#filters"));
  const side = $("#side-panel");
  const player = new AudioPlayer($("#player"));
  const statusEl = $("#stream-status");
  const newCount = $("#new-count");
  const pauseButton = $("#pause-button");
  const notices = $("#list-notices");
  const totals = { gap: 0, dropped: 0 };
  let generation = 0;
  let lastSeq = 0;

  const syncSide = () => side.classList.toggle("is-open", detail.isOpen || !player.root.hidden);
  const detail = new DetailPanel({ container: $("#detail"), empty: $("#detail-empty"), onChange: syncSide });
  side.addEventListener("player:open", syncSide);
  side.addEventListener("player:close", syncSide);

  const apiEvents = (query, extra) => fetchJSON(urls.path("/api/events", urls.join(query, extra)));

  const list = new EventList($("#event-list"), {
    cap: ROW_CAP,
    pauseCap: PAUSE_CAP,
    loadAfter: async (afterSeq, limit) => (await apiEvents(filters.query, { after: afterSeq, limit })).events,
    onOpen: (ev) => detail.open(ev.event_id),
    onPlay: (action) => player.load(action.url, { label: action.name, expectedMs: action.durationMs }),
    onChange: ({ rows, paused, newCount: count, resuming }) => {
      $("#list-count").textContent = String(rows);
      $("#list-empty").hidden = rows > 0 || paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.querySelector(".pause-label").textContent = resuming ? "Loading…" : paused ? "Resume" : "Pause";
      newCount.hidden = !paused || count === 0;
      newCount.textContent = `${count.toLocaleString()} new`;
    },
  });

  const timeline = new Timeline(
    {
      root: $("#timeline"),
      canvas: $("#timeline-canvas"),
      tooltip: $("#timeline-tooltip"),
      empty: $("#timeline-empty"),
      scrollbar: $("#timeline-scrollbar"),
      thumb: $("#timeline-thumb"),
      sessionLabel: $("#timeline-session"),
      spanLabel: $("#timeline-span"),
      followButton: $("#timeline-follow"),
    },
    {
      onOpen: (ev) => {
        list.select(ev.seq);
        list.open(ev); // opens the detail even when the row is no longer in the list
      },
      loadSession: async (sessionId) =>
        (await apiEvents(filters.queryWith({ sessions: [sessionId] }), { limit: TIMELINE_LOAD })).events,
    },
  );

  const showNotices = () => {
    const parts = [];
    if (totals.gap) parts.push(["notice notice-warn", `${totals.gap.toLocaleString()} evicted before delivery`]);
    if (totals.dropped) parts.push(["notice notice-bad", `${totals.dropped.toLocaleString()} dropped (page too slow)`]);
    notices.replaceChildren(...parts.map(([className, text]) => Object.assign(document.createElement("span"), { className, textContent: text })));
  };

  const stream = new EventStream({
    onEvents: (events) => {
      let fresh = events;
      if (events[0].seq <= lastSeq) fresh = events.filter((ev) => ev.seq > lastSeq);
      if (!fresh.length) return;
      lastSeq = fresh[fresh.length - 1].seq;
      list.add(fresh);
      timeline.ingest(fresh, { live: true });
    },
    onNotice: (kind, data) => {
      if (kind === "reset") {
        // The server restarted (its sequence numbers began again): take its events from the start.
        lastSeq = 0;
        list.notice("warn", "The inspector restarted: what follows is from its new run", 0);
      } else if (kind === "gap") {
        totals.gap += data.missed;
        const after = Number.isInteger(data.after) ? data.after : lastSeq;
        list.notice("warn", `${data.missed.toLocaleString()} events were evicted from the buffer before this page received them`, after);
      } else if (kind === "dropped") {
        totals.dropped += data.dropped;
        // The drop happened after the last event this page received (or where the server says).
        const after = Number.isInteger(data.after) ? data.after : lastSeq;
        list.notice("bad", `${data.dropped.toLocaleString()} events dropped: this page fell behind`, after, {
          label: "Load them",
          run: () => list.backfill(after),
        });
        if (timeline.session) timeline.switchTo(timeline.session); // reload what it missed
      }
      showNotices();
    },
    onState: (state, detailInfo) => {
      statusEl.dataset.state = state;
      const labels = { connecting: "connecting", live: "live", reconnecting: "reconnecting", error: "disconnected", closed: "closed" };
      let label = labels[state] || state;
      if (state === "error" && detailInfo.retryInMs) label = `retry in ${Math.round(detailInfo.retryInMs / 1000)} s`;
      $(".status-label", statusEl).textContent = label;
    },
    onRate: (rate) => {
      $("#stream-rate").textContent = formatRate(rate);
    },
  });

  /** (Re)load for the current filters: the newest rows, then the stream after them. */
  async function load() {
    const ticket = ++generation;
    const liveEl = $("#live");
    liveEl.dataset.state = "loading";
    liveEl.setAttribute("aria-busy", "true");
    stream.close();
    statusEl.dataset.state = "connecting";
    $(".status-label", statusEl).textContent = "loading";
    totals.gap = 0;
    totals.dropped = 0;
    showNotices();
    timeline.setFilterSessions(filters.state.sessions);
    markSessions();
    let body;
    try {
      body = await apiEvents(filters.query, { limit: ROW_CAP });
    } catch (err) {
      if (ticket !== generation) return;
      filters.showError(err.message, err.param);
      list.reset([]);
      statusEl.dataset.state = "error";
      $(".status-label", statusEl).textContent = "bad filter";
      liveEl.dataset.state = "error";
      liveEl.removeAttribute("aria-busy");
      return;
    }
    if (ticket !== generation) return;
    list.reset(body.events);
    timeline.ingest(body.events);
    const newest = body.events.length ? body.events[body.events.length - 1].seq : 0;
    lastSeq = Math.max(body.last_seq, newest);
    stream.connect(filters.query, lastSeq);
    liveEl.dataset.query = filters.query;
    liveEl.dataset.state = "ready";
    liveEl.removeAttribute("aria-busy");
  }

  // Sessions: a click narrows to the session (a second click widens again).
  function markSessions() {
    const chosen = new Set(filters.state.sessions);
    document.querySelectorAll("#sessions .session").forEach((li) => {
      if (chosen.has(li.dataset.sessionId)) li.setAttribute("aria-current", "true");
      else li.removeAttribute("aria-current");
    });
    $(".session-all").setAttribute("aria-current", String(chosen.size === 0));
  }

  function sessionOptions() {
    const ids = [...document.querySelectorAll("#sessions .session")].map((li) => li.dataset.sessionId);
    const plugins = new Set([...$("#filter-plugin").options].slice(1).map((o) => o.value));
    document.querySelectorAll("#sessions [data-plugin]").forEach((chip) => plugins.add(chip.dataset.plugin));
    filters.setOptions({ sessions: ids, plugins: [...plugins] });
  }

  $(".sessions-panel").addEventListener("click", (ev) => {
    const link = ev.target.closest("a[data-session-id]");
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    const id = link.dataset.sessionId;
    const only = filters.state.sessions.length === 1 && filters.state.sessions[0] === id;
    filters.set({ sessions: id && !only ? [id] : [] });
  });
  $("#sessions").addEventListener("htmx:afterSwap", () => {
    markSessions();
    sessionOptions();
  });
  $("#detail").addEventListener("click", (ev) => {
    if (ev.target.closest("[data-close-detail]")) {
      detail.close();
      list.open(null);
      return;
    }
    const link = ev.target.closest("a[data-session-id]");
    if (link && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      filters.set({ sessions: [link.dataset.sessionId] });
    }
  });

  pauseButton.addEventListener("click", () => list.toggle());
  newCount.addEventListener("click", () => list.resume());
  document.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => timeline.zoom(button.dataset.zoom));
  });
  document.addEventListener("inspector:cleared", () => {
    list.clear();
    timeline.clear();
    detail.close();
  });
  filters.addEventListener("change", load);

  // Keyboard: j/k or arrows move, Enter opens, space or p pauses, / searches, Esc closes.
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || $("#help-dialog")?.open) return;
    const typing = isTyping(ev.target);
    if (ev.key === "Escape") {
      const dropdown = $("#type-filter");
      if (dropdown.open) {
        dropdown.open = false;
      } else if (typing) {
        ev.target.blur();
      } else if (detail.isOpen) {
        detail.close();
        list.open(null);
      } else if (!player.root.hidden) {
        player.close();
      }
      return;
    }
    if (typing) return;
    const onControl = ev.target instanceof HTMLElement && ev.target.matches("button, a, summary");
    switch (ev.key) {
      case "j":
      case "ArrowDown":
        ev.preventDefault();
        followSelection(list.move(1));
        break;
      case "k":
      case "ArrowUp":
        ev.preventDefault();
        followSelection(list.move(-1));
        break;
      case "Enter":
        if (onControl) return;
        if (list.selected) {
          ev.preventDefault();
          list.open(list.selected);
        }
        break;
      case " ":
      case "p":
        if (onControl && ev.key === " ") return;
        ev.preventDefault();
        list.toggle();
        break;
      case "/":
        ev.preventDefault();
        $("#filter-q").focus();
        $("#filter-q").select();
        break;
      case "+":
      case "=":
        timeline.zoom("in");
        break;
      case "-":
        timeline.zoom("out");
        break;
      case "0":
        timeline.zoom("fit");
        break;
      case "f":
        timeline.toggleFollow();
        break;
      case "a": {
        const action = list.selected ? audioActions(list.selected, urls)[0] : null;
        if (action) player.load(action.url, { label: action.name, expectedMs: action.durationMs });
        break;
      }
      default:
    }
  });

  // With the detail open, moving the selection shows the newly selected event (debounced).
  let followTimer = 0;
  function followSelection(ev) {
    if (!ev || !detail.isOpen) return;
    clearTimeout(followTimer);
    followTimer = setTimeout(() => list.open(ev), FOLLOW_SELECTION_MS);
  }

  markSessions();
  load();
  return { filters, list, timeline, stream, player, detail, load };
}
