// DOM helpers: element building (text only, never HTML), the toast, the clipboard, theme colours
// for canvases, and local times for server-rendered <time> elements.

import { clockTime, parseTime } from "./format.js";

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

/** True while the user types in a field (keyboard shortcuts stay out of the way). */
export function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches("input, select, textarea"));
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
