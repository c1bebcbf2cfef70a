// Wiring: each page's modules, the keyboard, the theme toggle and htmx hooks.
// Debug handle: window.inspector = {filters, list, timeline, stream, player, detail}.

import { AudioPlayer } from "./audio.js";
import { DetailPanel, copyEventJson } from "./detail.js";
import { EventList, audioActions } from "./event-list.js";
import { FilterBar } from "./filters.js";
import { EventStream } from "./stream.js";
import { Timeline } from "./timeline.js";
import { ROOT, fetchJSON, localizeTimes, toast } from "./util.js";

const ROW_CAP = 500; // rows in the DOM
const PAUSE_CAP = 250; // events kept in memory while paused (the rest is fetched on resume)
const TIMELINE_LOAD = 5000; // events of one session loaded for the timeline

const $ = (selector, root = document) => root.querySelector(selector);
const inspector = (window.inspector = window.inspector || {});

// ------------------------------------------------------------------------------------- theme

function setTheme(theme, remember = true) {
  document.documentElement.dataset.theme = theme;
  document.documentElement.dataset.themeSource = remember ? "user" : "system";
  if (remember) {
    try {
      localStorage.setItem("inspector.theme", theme);
    } catch (err) {
      // storage disabled: the choice lasts for this page only
    }
  }
  const button = $("#theme-toggle");
  if (button) button.setAttribute("aria-pressed", String(theme === "dark"));
  document.dispatchEvent(new CustomEvent("inspector:theme", { detail: { theme } }));
}

function toggleTheme() {
  setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark");
}

function initTheme() {
  $("#theme-toggle")?.addEventListener("click", toggleTheme);
  $("#theme-toggle")?.setAttribute("aria-pressed", String(document.documentElement.dataset.theme === "dark"));
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  media.addEventListener("change", (ev) => {
    if (document.documentElement.dataset.themeSource !== "user") setTheme(ev.matches ? "dark" : "light", false);
  });
}

// ------------------------------------------------------------------------------------ common

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches("input, select, textarea"));
}

function initCommon() {
  initTheme();
  localizeTimes();
  const page = document.body.dataset.page;
  document.querySelectorAll(".nav a").forEach((a) => {
    if (a.dataset.nav === page) a.setAttribute("aria-current", "page");
  });

  document.body.addEventListener("htmx:afterSwap", (ev) => localizeTimes(ev.detail.target));
  // A poll that fails leaves the last content, dimmed, instead of an error in its place.
  document.body.addEventListener("htmx:responseError", (ev) => ev.detail.target?.classList.add("is-stale"));
  document.body.addEventListener("htmx:sendError", (ev) => ev.detail.target?.classList.add("is-stale"));
  document.body.addEventListener("htmx:afterSettle", (ev) => ev.detail.target?.classList.remove("is-stale"));
  document.body.addEventListener("htmx:beforeRequest", (ev) => {
    if (ev.detail.elt.hasAttribute("hx-trigger")) document.querySelector(".poll-indicator")?.classList.add("is-polling");
  });
  document.body.addEventListener("htmx:afterRequest", (ev) => {
    document.querySelector(".poll-indicator")?.classList.remove("is-polling");
    if (ev.detail.elt.id !== "clear-button") return;
    if (ev.detail.successful) {
      let cleared = 0;
      try {
        cleared = JSON.parse(ev.detail.xhr.responseText).cleared;
      } catch (err) {
        cleared = 0;
      }
      toast(`Cleared ${cleared} buffered events`);
      document.dispatchEvent(new CustomEvent("inspector:cleared"));
    } else {
      toast("The inspector refused to clear (CSRF check)", { bad: true });
    }
  });

  // Copy JSON (detail panel and event page) and play buttons rendered by the server.
  document.addEventListener("click", (ev) => {
    const copy = ev.target.closest("[data-copy-json]");
    if (copy) {
      copyEventJson(copy);
      return;
    }
    const play = ev.target.closest("button[data-audio-url]");
    if (play && !play.closest(".event-list") && inspector.player) {
      inspector.player.load(play.dataset.audioUrl, {
        label: play.dataset.audioLabel || "Audio",
        expectedMs: play.dataset.audioDurationMs ? Number(play.dataset.audioDurationMs) : null,
      });
    }
  });

  const help = $("#help-dialog");
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target) || help?.open) return;
    if (ev.key === "?") {
      ev.preventDefault();
      help?.showModal();
    } else if (ev.key === "t") {
      toggleTheme();
    }
  });
}

// ---------------------------------------------------------------------------------- stats page

function initFilterAwarePolling(filters) {
  // htmx reads hx-get once; the filters change later, so rewrite the path of each poll.
  document.body.addEventListener("htmx:configRequest", (ev) => {
    const base = ev.detail.elt.dataset?.filterAware;
    if (!base) return;
    const query = filters.query;
    ev.detail.path = `${base}${query ? `?${query}` : ""}`;
  });
}

async function fillOptionsFromApi(filters) {
  try {
    const body = await fetchJSON(`${ROOT}/api/sessions`);
    const plugins = new Set();
    for (const s of body.sessions) for (const p of s.plugins) plugins.add(p.name);
    filters.setOptions({ sessions: body.sessions.map((s) => s.session_id), plugins: [...plugins] });
  } catch (err) {
    // the options stay as they are
  }
}

function initStats() {
  const filters = new FilterBar($("#filters"));
  inspector.filters = filters;
  const stats = $("#stats");
  initFilterAwarePolling(filters);
  fillOptionsFromApi(filters);
  setInterval(() => fillOptionsFromApi(filters), 10000);
  const refresh = () => htmx.ajax("GET", "/stats", { source: stats, target: stats, swap: "innerHTML" });
  filters.addEventListener("change", refresh);
  document.addEventListener("inspector:cleared", refresh);
  stats.addEventListener("htmx:responseError", (ev) => {
    try {
      const body = JSON.parse(ev.detail.xhr.responseText);
      filters.showError(body.error, (/^([A-Za-z_-]+)=/.exec(body.error) || [])[1]);
    } catch (err) {
      // not JSON: the dimmed panel says enough
    }
  });
}

// ----------------------------------------------------------------------------------- event page

function initEventPage() {
  inspector.player = new AudioPlayer($("#player"));
}

// ----------------------------------------------------------------------------------- live page

function initLive() {
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

  const apiEvents = (query, extra) => fetchJSON(`${ROOT}/api/events?${query}${query ? "&" : ""}${extra}`);

  const list = new EventList($("#event-list"), {
    cap: ROW_CAP,
    pauseCap: PAUSE_CAP,
    loadAfter: async (afterSeq, limit) => (await apiEvents(filters.query, `after=${afterSeq}&limit=${limit}`)).events,
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
        (await apiEvents(filters.queryWith({ sessions: [sessionId] }), `limit=${TIMELINE_LOAD}`)).events,
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
      $("#stream-rate").textContent = `${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s`;
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
      body = await apiEvents(filters.query, `limit=${ROW_CAP}`);
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
        const action = list.selected ? audioActions(list.selected)[0] : null;
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
    followTimer = setTimeout(() => list.open(ev), 120);
  }

  Object.assign(inspector, { filters, list, timeline, stream, player, detail, load });
  markSessions();
  load();
}

// ------------------------------------------------------------------------------------ start

function start() {
  initCommon();
  const page = document.body.dataset.page;
  if (page === "live") initLive();
  else if (page === "stats") initStats();
  else if (page === "event") initEventPage();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
