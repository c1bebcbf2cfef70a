// The filter bar. The URL is the source of truth: loading a URL restores the filters, every change
// is written back (pushState for choices, replaceState while typing), and the back button works.
// Listeners get a "change" event and read .query (static/filter-state.js writes it canonically).

import { copyText, h, toast } from "./dom.js";
import { TYPE_PRESETS, filterQuery, parseFilter, resetFilter } from "./filter-state.js";

const TEXT_DELAY_MS = 300;

export class FilterBar extends EventTarget {
  constructor(form) {
    super();
    this.form = form;
    this.state = parseFilter(location.search);
    this.typeBoxes = [...form.querySelectorAll('input[name="type"]')];
    // each type with the kind the server gave it (data-kind on its label), for the preset buttons
    this.allTypes = this.typeBoxes.map((box) => ({ type: box.value, kind: box.closest("[data-kind]")?.dataset.kind }));
    this.session = form.querySelector("#filter-session");
    this.plugin = form.querySelector("#filter-plugin");
    this.confidence = form.querySelector("#filter-confidence");
    this.confidenceValue = form.querySelector("#confidence-value");
    this.search = form.querySelector("#filter-q");
    this.errors = form.querySelector("#filter-errors");
    this.errorBox = form.querySelector("#filter-error");
    this.typesSummary = form.querySelector("[data-types-summary]");
    this.typeDropdown = form.querySelector("#type-filter");
    this.textTimer = 0;
    this.bind();
    this.syncControls();
    this.syncLinks();
  }

  /** The filter query string (canonical order, no "?"). */
  get query() {
    return filterQuery(this.state);
  }

  /** The query of this filter with some fields replaced (e.g. one session for the timeline). */
  queryWith(changes) {
    return filterQuery({ ...this.state, ...changes });
  }

  bind() {
    const form = this.form;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.commit({ push: true });
    });
    for (const box of this.typeBoxes) {
      box.addEventListener("change", () => {
        this.state.types = this.typeBoxes.filter((b) => b.checked).map((b) => b.value);
        this.commit({ push: true });
      });
    }
    form.querySelectorAll("[data-types]").forEach((button) => {
      button.addEventListener("click", () => {
        const preset = TYPE_PRESETS[button.dataset.types];
        this.state.types = preset ? preset(this.allTypes) : [];
        this.commit({ push: true });
      });
    });
    this.session.addEventListener("change", () => {
      this.state.sessions = this.session.value ? [this.session.value] : [];
      this.commit({ push: true });
    });
    this.plugin.addEventListener("change", () => {
      this.state.plugins = this.plugin.value ? [this.plugin.value] : [];
      this.commit({ push: true });
    });
    this.confidence.addEventListener("input", () => {
      this.showConfidence(this.confidence.value);
    });
    this.confidence.addEventListener("change", () => {
      const value = Number(this.confidence.value);
      this.state.minConfidence = value > 0 ? this.confidence.value : null;
      this.commit({ push: true });
    });
    this.search.addEventListener("input", () => {
      clearTimeout(this.textTimer);
      this.textTimer = setTimeout(() => {
        this.state.q = this.search.value.trim();
        this.commit({ push: false });
      }, TEXT_DELAY_MS);
    });
    this.search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        clearTimeout(this.textTimer);
        this.state.q = this.search.value.trim();
        this.commit({ push: true });
      }
    });
    this.errors.addEventListener("change", () => {
      this.state.errors = this.errors.checked;
      this.commit({ push: true });
    });
    form.querySelector("#filters-reset")?.addEventListener("click", () => this.reset());
    form.querySelector("#filters-share")?.addEventListener("click", async () => {
      const ok = await copyText(location.href);
      toast(ok ? "Link to this view copied" : "The browser refused the clipboard", { bad: !ok });
    });
    window.addEventListener("popstate", () => {
      this.state = parseFilter(location.search);
      this.syncControls();
      this.syncLinks();
      this.emit();
    });
    // A click outside the type dropdown closes it.
    document.addEventListener("click", (ev) => {
      if (this.typeDropdown.open && !this.typeDropdown.contains(ev.target)) this.typeDropdown.open = false;
    });
  }

  /** Change some fields, as a user would (the URL is updated, listeners are told). */
  set(changes, { push = true } = {}) {
    Object.assign(this.state, changes);
    this.commit({ push });
  }

  reset() {
    this.state = resetFilter(this.state);
    this.commit({ push: true });
  }

  commit({ push }) {
    const query = filterQuery(this.state, { page: true });
    const url = `${location.pathname}${query ? `?${query}` : ""}`;
    const current = `${location.pathname}${location.search}`;
    if (url !== current) {
      if (push) history.pushState({ filters: query }, "", url);
      else history.replaceState({ filters: query }, "", url);
    }
    this.syncControls();
    this.syncLinks();
    this.emit();
  }

  emit() {
    this.clearError();
    this.dispatchEvent(new CustomEvent("change", { detail: { query: this.query } }));
  }

  showConfidence(raw) {
    const value = Number(raw);
    this.confidenceValue.textContent = value > 0 ? value.toFixed(2) : "off";
    this.confidence.closest(".filter-control").classList.toggle("is-active", value > 0);
    const hint = this.form.querySelector("#confidence-hint");
    if (hint) hint.hidden = !(value > 0);
  }

  /** Make every control show the state (after a URL load, popstate or a programmatic set). */
  syncControls() {
    const s = this.state;
    for (const box of this.typeBoxes) box.checked = s.types.includes(box.value);
    this.typesSummary.textContent = s.types.length ? `${s.types.length} selected` : "All";
    this.typeDropdown.querySelector("summary").classList.toggle("is-active", s.types.length > 0);
    this.selectValue(this.session, s.sessions[0] || "");
    this.selectValue(this.plugin, s.plugins[0] || "");
    this.session.closest(".filter-control").classList.toggle("is-active", s.sessions.length > 0);
    this.plugin.closest(".filter-control").classList.toggle("is-active", s.plugins.length > 0);
    this.confidence.value = s.minConfidence !== null ? s.minConfidence : "0";
    this.showConfidence(this.confidence.value);
    if (document.activeElement !== this.search) this.search.value = s.q;
    this.search.closest(".filter-control").classList.toggle("is-active", Boolean(s.q));
    this.errors.checked = s.errors;
  }

  selectValue(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) {
      select.append(h("option", { text: value, attrs: { value } }));
    }
    select.value = value;
  }

  /** Known sessions and plugins as select options (keeps the current choice). */
  setOptions({ sessions, plugins }) {
    if (sessions) this.fillSelect(this.session, "All sessions", sessions, this.state.sessions[0] || "");
    if (plugins) this.fillSelect(this.plugin, "All plugins", [...plugins].sort(), this.state.plugins[0] || "");
  }

  fillSelect(select, allLabel, values, current) {
    if (document.activeElement === select) return; // never rebuild a list the user is reading
    const wanted = [...new Set(current ? [current, ...values] : values)];
    const existing = [...select.options].slice(1).map((o) => o.value);
    if (existing.length === wanted.length && existing.every((v, i) => v === wanted[i])) return;
    const options = [h("option", { text: allLabel, attrs: { value: "" } })];
    for (const value of wanted) options.push(h("option", { text: value, attrs: { value } }));
    select.replaceChildren(...options);
    select.value = current;
  }

  /** Links that carry the filters (Live, Stats, Export, the JSON twin). */
  syncLinks() {
    const query = this.query;
    const suffix = query ? `?${query}` : "";
    document.querySelectorAll("a[data-keep-filters]").forEach((a) => {
      const base = a.getAttribute("href").split("?")[0];
      a.setAttribute("href", `${base}${suffix}`);
    });
    const twin = document.querySelector('link[rel="alternate"][type="application/json"]');
    const footerTwin = document.querySelector("a[data-json-twin]");
    for (const el of [twin, footerTwin]) {
      if (!el) continue;
      const base = el.getAttribute("href").split("?")[0];
      el.setAttribute("href", `${base}${suffix}`);
    }
  }

  /** Say clearly what the server refused, and mark the control of the parameter it names. */
  showError(message, param) {
    this.errorBox.replaceChildren(
      h("span", { text: "The server refused this filter: " }),
      h("code", { text: message }),
      " ",
      h("button", { className: "btn btn-small", text: "Reset filters", attrs: { type: "button", "data-reset": "" } }),
    );
    this.errorBox.querySelector("[data-reset]").addEventListener("click", () => this.reset());
    this.errorBox.hidden = false;
    const controls = {
      type: this.typeDropdown.querySelector("summary"),
      session: this.session.closest(".filter-control"),
      plugin: this.plugin.closest(".filter-control"),
      min_confidence: this.confidence.closest(".filter-control"),
      q: this.search.closest(".filter-control"),
      errors: this.errors.closest(".filter-control"),
    };
    const control = controls[param];
    if (control) control.classList.add("is-invalid");
  }

  clearError() {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    this.form.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
  }
}
