// The filter as data: parse a query string into a filter state and write it back in the canonical
// order of the server's EventFilter.to_query, so the page, the API and the stream agree. Pure: no DOM.

/** Filter parameters without a control on the page: kept as they are and sent to the API. */
export const FILTER_EXTRAS = new Set(["since", "until", "window_ms"]);
/** Page parameters that mean nothing to a page URL, dropped when it is rewritten. */
const DROPPED = new Set(["after"]);
const CONTROLLED = new Set(["type", "session", "plugin", "min_confidence", "q", "errors"]);
const TRUE_VALUES = new Set(["1", "true", "yes", "on"]);

/**
 * The types a preset button selects, from the page's type list [{type, kind}] (each type's kind
 * comes from the server): errors are kind "error", transcripts kinds "transcript" and "partial".
 */
export const TYPE_PRESETS = {
  all: () => [],
  none: () => [],
  errors: (types) => types.filter((t) => t.kind === "error").map((t) => t.type),
  transcripts: (types) => types.filter((t) => t.kind === "transcript" || t.kind === "partial").map((t) => t.type),
};

function splitMany(params, key) {
  const out = [];
  for (const raw of params.getAll(key)) {
    for (const part of raw.split(",")) {
      const value = part.trim();
      if (value && !out.includes(value)) out.push(value);
    }
  }
  return out;
}

/** Filter state from a query string (unknown parameters are kept for the server to judge). */
export function parseFilter(search) {
  const params = new URLSearchParams(search);
  const confidence = params.get("min_confidence");
  const extras = [];
  for (const [key, value] of params) {
    if (!CONTROLLED.has(key)) extras.push([key, value]);
  }
  return {
    types: splitMany(params, "type"),
    sessions: splitMany(params, "session"),
    plugins: splitMany(params, "plugin"),
    minConfidence: confidence === null || confidence.trim() === "" ? null : confidence.trim(),
    q: (params.get("q") || "").trim(),
    errors: TRUE_VALUES.has((params.get("errors") || "").trim().toLowerCase()),
    extras,
  };
}

/**
 * The canonical query string of a filter state (without "?"). With page=true it also keeps the
 * page's own parameters (limit, token, and anything unknown, for the server to refuse).
 */
export function filterQuery(state, { page = false } = {}) {
  const params = new URLSearchParams();
  for (const t of [...state.types].sort()) params.append("type", t);
  for (const s of [...state.sessions].sort()) params.append("session", s);
  for (const p of [...state.plugins].sort()) params.append("plugin", p);
  if (state.minConfidence !== null && state.minConfidence !== undefined) {
    params.append("min_confidence", String(state.minConfidence));
  }
  if (state.q) params.append("q", state.q);
  if (state.errors) params.append("errors", "1");
  for (const [key, value] of state.extras || []) {
    if (FILTER_EXTRAS.has(key) || (page && !DROPPED.has(key))) params.append(key, value);
  }
  return params.toString();
}

/** The state after "Reset": no filter, but the page's own parameters (token, limit) kept. */
export function resetFilter(state) {
  const kept = (state.extras || []).filter(([key]) => !FILTER_EXTRAS.has(key));
  return { ...parseFilter(""), extras: kept };
}
