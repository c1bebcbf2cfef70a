// Every URL the page fetches or links to, built here: under the prefix the inspector is mounted at
// (read once from <meta name="inspector-root">), ids percent-encoded as one path segment. Mirrors
// inspector/urls.py. Pure apart from reading the meta tag (absent in Node, where the root is "").

/** One path segment: "/", "?", "#" and everything else reserved are encoded. */
export function segment(value) {
  return encodeURIComponent(String(value));
}

function queryText(query) {
  if (query === null || query === undefined) return "";
  if (typeof query === "string") return query.startsWith("?") ? query.slice(1) : query;
  const params = new URLSearchParams();
  const pairs = query instanceof URLSearchParams ? query.entries() : Array.isArray(query) ? query : Object.entries(query);
  for (const [key, value] of pairs) {
    if (value !== null && value !== undefined && value !== "") params.append(key, String(value));
  }
  return params.toString();
}

/** The URL builders for an inspector mounted at ``root`` ("" or "/prefix", no trailing slash). */
export function makeUrls(root = "") {
  const base = String(root).replace(/\/+$/, "");
  const path = (p, query = null) => {
    if (!String(p).startsWith("/")) throw new Error(`path=${JSON.stringify(p)}: must start with "/"`);
    const text = queryText(query);
    return `${base}${p}${text ? `?${text}` : ""}`;
  };
  return {
    root: base,
    path,
    /** A query string with more parameters appended ("a=1" + {after: 5} -> "a=1&after=5"). */
    join(query, extra) {
      return [queryText(query), queryText(extra)].filter(Boolean).join("&");
    },
    eventPage: (id) => path(`/events/${segment(id)}`),
    apiEvent: (id) => path(`/api/events/${segment(id)}`),
    eventAudio: (id) => path(`/api/events/${segment(id)}/audio.wav`),
    synthesisAudio: (id) => path(`/api/syntheses/${segment(id)}/audio.wav`),
    apiSession: (id) => path(`/api/sessions/${segment(id)}`),
    live: (sessionId = null) => path("/", sessionId ? { session: sessionId } : null),
  };
}

/** The page's prefix, from its meta tag ("" outside a browser). */
export function pageRoot(doc = globalThis.document) {
  return doc?.querySelector?.('meta[name="inspector-root"]')?.getAttribute("content") || "";
}

/** This page's URL builders: every module fetches through these. */
export const urls = makeUrls(pageRoot());
