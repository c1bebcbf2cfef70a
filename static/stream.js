// The live stream: one EventSource on /api/stream with the page's filters. The server names each
// frame's id after its last seq, so the browser's own reconnect (Last-Event-ID) resumes exactly
// where it stopped; "gap" and "dropped" frames say what could not be delivered. When the
// EventSource gives up (the server refused or went away), we reconnect ourselves with after=<seq>.

import { urls } from "./urls.js";

const RETRY_MS = [1000, 2000, 5000, 10000];
const RATE_WINDOW_S = 5;

export class EventStream {
  /**
   * handlers: onEvents(list), onNotice(kind, data), onState(state, detail), onRate(perSecond).
   * state is "connecting" | "live" | "reconnecting" | "error" | "closed".
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.source = null;
    this.query = "";
    this.lastSeq = 0;
    this.attempt = 0;
    this.retryTimer = 0;
    this.counts = [];
    this.rateTimer = setInterval(() => this.reportRate(), 1000);
  }

  /** (Re)connect with these filters, receiving only events after ``afterSeq``. */
  connect(query, afterSeq) {
    this.close();
    this.query = query;
    this.lastSeq = afterSeq || 0;
    this.open();
  }

  open() {
    clearTimeout(this.retryTimer);
    const params = new URLSearchParams(this.query);
    params.set("after", String(this.lastSeq));
    const source = new EventSource(urls.path("/api/stream", params));
    this.source = source;
    this.setState(this.attempt ? "reconnecting" : "connecting");
    source.addEventListener("hello", () => {
      this.attempt = 0;
      this.setState("live");
    });
    source.addEventListener("events", (message) => {
      if (source !== this.source) return;
      let events;
      try {
        events = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (!events.length) return;
      this.lastSeq = Math.max(this.lastSeq, events[events.length - 1].seq);
      this.count(events.length);
      this.handlers.onEvents(events);
    });
    for (const kind of ["gap", "dropped", "reset"]) {
      source.addEventListener(kind, (message) => {
        if (source !== this.source) return;
        try {
          const data = JSON.parse(message.data);
          if (kind === "reset") this.lastSeq = 0; // the server restarted: its numbering began again
          this.handlers.onNotice(kind, data);
        } catch (err) {
          // a malformed notice is not worth breaking the stream for
        }
      });
    }
    source.onopen = () => {
      if (source === this.source) this.setState("live");
    };
    source.onerror = () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser will not retry (HTTP error, wrong content type): we do, with backoff.
        const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
        this.attempt += 1;
        this.setState("error", { retryInMs: delay });
        source.close();
        this.retryTimer = setTimeout(() => this.open(), delay);
      } else {
        this.setState("reconnecting");
      }
    };
  }

  close() {
    clearTimeout(this.retryTimer);
    if (this.source) {
      this.source.close();
      this.source = null;
    }
    this.attempt = 0;
  }

  setState(state, detail = {}) {
    this.state = state;
    this.handlers.onState?.(state, detail);
  }

  count(n) {
    const second = Math.floor(Date.now() / 1000);
    const last = this.counts[this.counts.length - 1];
    if (last && last[0] === second) last[1] += n;
    else this.counts.push([second, n]);
    while (this.counts.length && this.counts[0][0] < second - RATE_WINDOW_S) this.counts.shift();
  }

  reportRate() {
    const now = Math.floor(Date.now() / 1000);
    let total = 0;
    for (const [second, n] of this.counts) if (second >= now - RATE_WINDOW_S && second < now) total += n;
    this.handlers.onRate?.(total / RATE_WINDOW_S);
  }
}
