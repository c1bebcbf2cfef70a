// Shared helpers: element building (text only, never HTML), event kinds and summaries, time and
// duration formatting, JSON fetching with the API's error messages, and the toast.

/** The plugin kind of an event type: "vad" | "stt" | "tts" | "sts" | "plugin". */
export function laneOf(type) {
  const prefix = type.slice(0, type.indexOf("_"));
  return prefix === "vad" || prefix === "stt" || prefix === "tts" || prefix === "sts" ? prefix : "plugin";
}

/** Like laneOf, but error events of every kind are "error". */
export function kindOf(type) {
  return type.endsWith("_error") ? "error" : laneOf(type);
}

export function isError(type) {
  return type.endsWith("_error");
}

/** Types whose events carry a playable PCM payload (the API's audio.url). */
/** Where the inspector is mounted ("" at the root of its own server, "/inspector" inside an app). */
export const ROOT = document.querySelector('meta[name="inspector-root"]')?.getAttribute("content") || "";

export const AUDIO_TYPES = new Set(["vad_audio", "vad_partial", "tts_audio", "sts_audio_input", "sts_audio_output"]);
/** Types that belong to a synthesis whose whole audio can be played. */
export const SYNTHESIS_TYPES = new Set(["tts_synthesis_start", "tts_synthesis_complete", "tts_audio"]);

/**
 * Create an element. props: {className, text, dataset, attrs, title}. Children are nodes or strings
 * (strings become text nodes). Nothing here ever parses HTML.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined && props.text !== null) el.textContent = String(props.text);
  if (props.title) el.title = props.title;
  if (props.dataset) {
    for (const [key, value] of Object.entries(props.dataset)) {
      if (value !== undefined && value !== null) el.dataset[key] = String(value);
    }
  }
  if (props.attrs) {
    for (const [key, value] of Object.entries(props.attrs)) {
      if (value !== undefined && value !== null && value !== false) el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Milliseconds since the epoch of an ISO-8601 time (microseconds are cut, not rounded). */
export function parseTime(iso) {
  return Date.parse(iso);
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

/** "13:04:05.123" in local time. */
export function clockTime(ms, withMillis = true) {
  const d = new Date(ms);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMillis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** "640 ms", "1.24 s", "2m 03s", "1h 05m". */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  const abs = Math.abs(ms);
  if (abs < 1) return `${ms.toFixed(2)} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 10000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3600000) return `${Math.floor(ms / 60000)}m ${pad(Math.floor((ms % 60000) / 1000))}s`;
  return `${Math.floor(ms / 3600000)}h ${pad(Math.floor((ms % 3600000) / 60000))}m`;
}

/** The event's confidence, as min_confidence compares it (null when it has none). */
export function confidenceOf(ev) {
  return typeof ev.confidence === "number" ? ev.confidence : null;
}

function errorMessage(ev) {
  const err = ev.error;
  let message = "Unknown error";
  if (err && typeof err === "object") message = err.message || err.type || message;
  else if (typeof err === "string") message = err;
  return ev.context ? `${message} (${ev.context})` : message;
}

/**
 * One line that says what happened (mirrors inspector/eventjson.event_summary), as
 * {text, confidence, quiet}: quiet text is secondary (no transcript, no error).
 */
export function summaryOf(ev) {
  const type = ev.event_type;
  if (isError(type)) return { text: errorMessage(ev), confidence: null, quiet: false };
  const text = typeof ev.text === "string" && ev.text ? ev.text : null;
  if (text) return { text: `“${text}”`, confidence: confidenceOf(ev), quiet: false };
  let quiet = "";
  switch (type) {
    case "vad_audio":
    case "vad_partial":
      quiet = ev.duration_ms != null ? `${formatDuration(ev.duration_ms)} of speech` : "speech audio";
      break;
    case "vad_speech_start":
      quiet = `speech started · p=${Number(ev.speech_probability ?? 0).toFixed(2)}`;
      break;
    case "vad_speech_end":
      quiet = `speech ended after ${formatDuration(ev.total_speech_duration_ms)}`;
      break;
    case "tts_audio":
      quiet = `chunk ${ev.chunk_index}${ev.is_final_chunk ? " (final)" : ""}` +
        (ev.audio && ev.audio.duration_ms != null ? ` · ${formatDuration(ev.audio.duration_ms)}` : "");
      break;
    case "tts_synthesis_complete":
      quiet = `${formatDuration(ev.synthesis_time_ms)} to synthesize ${formatDuration(ev.audio_duration_ms || 0)}`;
      break;
    case "plugin_initialized":
    case "plugin_closed":
      quiet = `${ev.plugin_type || ""} ${ev.provider || ""}`.trim();
      break;
    case "stt_connection":
    case "tts_connection":
      quiet = ev.connection_state || "";
      break;
    case "sts_connected":
    case "sts_disconnected":
      quiet = [ev.provider, ev.reason].filter(Boolean).join(" · ");
      break;
    case "sts_audio_input":
    case "sts_audio_output":
      quiet = ev.audio && ev.audio.duration_ms != null ? formatDuration(ev.audio.duration_ms) : "audio";
      break;
    case "sts_conversation_item":
      quiet = [ev.role, ev.item_type, ev.status].filter(Boolean).join(" · ");
      break;
    default:
      quiet = "";
  }
  return { text: quiet, confidence: null, quiet: true };
}

/** An error from the JSON API, with the parameter its message names (``type='nope': ...``). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
    const match = /^([A-Za-z_-]+)=/.exec(message || "");
    this.param = match ? match[1] : null;
  }
}

/** GET (or other) JSON; a non-2xx answer throws ApiError carrying the API's own message. */
export async function fetchJSON(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  } catch (err) {
    throw new ApiError(0, `network error: ${err.message}`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok || (body && body.ok === false)) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

let toastTimer = 0;
/** A short message at the bottom of the window (text only). */
export function toast(message, { bad = false, ms = 2600 } = {}) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.classList.toggle("is-bad", bad);
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, ms);
}

/** Copy text to the clipboard (Clipboard API, or a hidden textarea where it is unavailable). */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) {
    // permission refused: fall back below
  }
  const area = h("textarea", { className: "visually-hidden", attrs: { readonly: true } });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (err) {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Read a CSS custom property of an element (theme colours for canvases). */
export function cssVar(el, name, fallback = "#888") {
  const value = getComputedStyle(el).getPropertyValue(name).trim();
  return value || fallback;
}

/** Replace UTC clock texts of <time data-local-time> elements by local times. */
export function localizeTimes(root = document) {
  for (const el of root.querySelectorAll("time[data-local-time]")) {
    const ms = parseTime(el.getAttribute("datetime"));
    if (!Number.isNaN(ms)) {
      el.textContent = clockTime(ms, false);
      el.title = new Date(ms).toLocaleString();
    }
  }
}
