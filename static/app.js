// Wiring: what every page shares (theme, keyboard help, htmx hooks, copy and play buttons rendered by
// the server), the Stats and event pages, and the start. The Live page is static/live-page.js.
// Debug handle (for the console and benchmarks/bench_stream.py, not for tests):
// window.inspector = {filters, list, timeline, stream, player, detail}.

import { errorParam, fetchJSON } from "./api.js";
import { AudioPlayer } from "./audio.js";
import { copyEventJson } from "./detail.js";
import { isTyping, localizeTimes, toast } from "./dom.js";
import { FilterBar } from "./filters.js";
import { initLive } from "./live-page.js";
import { urls } from "./urls.js";

const $ = (selector, root = document) => root.querySelector(selector);
const inspector = (window.inspector = window.inspector || {});
let player = null; // the page's audio player, for the play buttons the server renders

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
    if (play && !play.closest(".event-list") && player) {
      player.load(play.dataset.audioUrl, {
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
    const base = ev.detail.elt.dataset?.filterAware; // the server wrote it with the mount prefix
    if (!base) return;
    const query = filters.query;
    ev.detail.path = `${base}${query ? `?${query}` : ""}`;
  });
}

async function fillOptionsFromApi(filters) {
  try {
    const body = await fetchJSON(urls.path("/api/sessions"));
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
  const refresh = () => htmx.ajax("GET", urls.path("/stats", filters.query), { source: stats, target: stats, swap: "innerHTML" });
  filters.addEventListener("change", refresh);
  document.addEventListener("inspector:cleared", refresh);
  stats.addEventListener("htmx:responseError", (ev) => {
    try {
      const body = JSON.parse(ev.detail.xhr.responseText);
      filters.showError(body.error, errorParam(body.error));
    } catch (err) {
      // not JSON: the dimmed panel says enough
    }
  });
}

// ----------------------------------------------------------------------------------- event page

function initEventPage() {
  player = new AudioPlayer($("#player"));
  inspector.player = player;
}

// ------------------------------------------------------------------------------------ start

function start() {
  initCommon();
  const page = document.body.dataset.page;
  if (page === "live") {
    const parts = initLive();
    player = parts.player;
    Object.assign(inspector, parts);
  }
  else if (page === "stats") initStats();
  else if (page === "event") initEventPage();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
