// Formatting of times and durations for the page (pure: no DOM). What an event *is* (its kind, its
// one-line summary) comes from the server; this only formats numbers the page measures itself.

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

/** "640 ms", "1.24 s", "12.3 s", "2m 03s", "1h 05m" (as plugins_core.format_duration_ms). */
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

/** The first 8 characters of a long id (uuids), the whole of a short one. */
export function shortId(id) {
  if (!id) return "";
  return id.length > 10 ? id.slice(0, 8) : id;
}

/** "0.4/s", "12/s": an event rate for the status bar. */
export function formatRate(perSecond) {
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
}
