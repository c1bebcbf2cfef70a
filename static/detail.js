// The event detail panel: htmx loads /events/{id} (the _event_detail.html fragment, every field
// escaped by the server's templates) into it. "Copy JSON" copies the event as the API gives it.

import { copyText, h, toast } from "./dom.js";
import { urls } from "./urls.js";

export class DetailPanel {
  /** parts: {container, empty, onChange()} */
  constructor({ container, empty, onChange }) {
    this.container = container;
    this.empty = empty;
    this.onChange = onChange || (() => {});
    this.currentId = null;
    container.addEventListener("htmx:responseError", (ev) => {
      const xhr = ev.detail.xhr;
      let message = `${xhr.status} ${xhr.statusText}`;
      try {
        const body = JSON.parse(xhr.responseText);
        if (body.error) message = body.error;
      } catch (err) {
        // not JSON
      }
      this.showError(message);
    });
    container.addEventListener("htmx:sendError", () => this.showError("The inspector did not answer."));
    container.addEventListener("htmx:afterSwap", () => {
      container.removeAttribute("aria-busy");
      this.onChange();
    });
  }

  get isOpen() {
    return !this.container.hidden;
  }

  open(eventId) {
    if (!eventId || typeof htmx === "undefined") return Promise.resolve();
    this.currentId = eventId;
    this.container.hidden = false;
    this.empty.hidden = true;
    this.container.setAttribute("aria-busy", "true");
    this.onChange();
    return htmx.ajax("GET", urls.eventPage(eventId), {
      source: this.container,
      target: this.container,
      swap: "innerHTML",
    });
  }

  showError(message) {
    this.container.removeAttribute("aria-busy");
    this.container.replaceChildren(
      h("div", { className: "event-detail" },
        h("div", { className: "detail-head" },
          h("p", { className: "detail-title", text: "Event unavailable" }),
          h("div", { className: "detail-actions" },
            h("button", { className: "btn btn-ghost icon-btn", text: "✕", attrs: { type: "button", "data-close-detail": "", "aria-label": "Close" } }))),
        h("p", { className: "notice notice-bad", text: message })),
    );
    this.onChange();
  }

  close() {
    this.currentId = null;
    this.container.hidden = true;
    this.container.replaceChildren();
    this.empty.hidden = false;
    this.onChange();
  }
}

/** Copy the JSON of the event whose "Copy JSON" button was clicked (event delegation). */
export async function copyEventJson(button) {
  const article = button.closest("[data-event-json]");
  if (!article) return;
  let text;
  try {
    text = JSON.stringify(JSON.parse(article.dataset.eventJson), null, 2);
  } catch (err) {
    text = article.dataset.eventJson;
  }
  const ok = await copyText(text);
  const label = button.lastChild;
  const previous = label.textContent;
  label.textContent = ok ? " Copied" : " Copy failed";
  button.classList.toggle("is-done", ok);
  toast(ok ? "Event JSON copied to the clipboard" : "The browser refused the clipboard", { bad: !ok });
  setTimeout(() => {
    label.textContent = previous;
    button.classList.remove("is-done");
  }, 1400);
}
