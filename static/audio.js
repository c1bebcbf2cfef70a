// The audio player: fetches a WAV once, plays it from a blob URL in the page's <audio> element,
// decodes it with Web Audio (decodeAudioData at the file's own rate) and draws its waveform on a
// canvas, with the played part and the playhead marked. A click on the waveform seeks.

import { cssVar } from "./dom.js";
import { peaks, wavInfo, wavSummary } from "./wav.js";

export class AudioPlayer {
  constructor(root) {
    this.root = root;
    this.audio = root.querySelector("audio");
    this.canvas = root.querySelector("canvas");
    this.wrap = root.querySelector(".waveform-wrap");
    this.status = root.querySelector(".waveform-status");
    this.title = root.querySelector(".player-title");
    this.meta = root.querySelector(".player-meta");
    this.error = root.querySelector(".player-error");
    this.ctx = this.canvas.getContext("2d");
    this.peaks = null;
    this.objectUrl = null;
    this.controller = null;
    this.frame = 0;
    this.url = null;
    this.bind();
  }

  bind() {
    this.root.querySelector("#player-close")?.addEventListener("click", () => this.close());
    const tick = () => {
      this.draw();
      this.frame = this.audio.paused ? 0 : requestAnimationFrame(tick);
    };
    this.audio.addEventListener("play", () => {
      cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(tick);
    });
    for (const name of ["pause", "ended", "seeked", "timeupdate", "loadedmetadata"]) {
      this.audio.addEventListener(name, () => this.draw());
    }
    this.canvas.addEventListener("click", (ev) => {
      const duration = this.audio.duration;
      if (!Number.isFinite(duration) || duration <= 0) return;
      const rect = this.canvas.getBoundingClientRect();
      this.audio.currentTime = ((ev.clientX - rect.left) / rect.width) * duration;
      if (this.audio.paused) this.audio.play().catch(() => {});
    });
    new ResizeObserver(() => this.draw()).observe(this.wrap);
    document.addEventListener("inspector:theme", () => this.draw());
  }

  /**
   * Load and play ``url``. label: what it is; expectedMs: the event's own duration, shown next
   * to the file's so that a mismatch is visible.
   */
  async load(url, { label = "Audio", expectedMs = null } = {}) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.url = url;
    this.root.hidden = false;
    this.root.dispatchEvent(new CustomEvent("player:open", { bubbles: true }));
    this.title.textContent = label;
    this.meta.textContent = "loading…";
    this.error.hidden = true;
    this.peaks = null;
    this.wrap.dataset.state = "loading";
    this.status.textContent = "Loading audio…";
    this.audio.pause();
    this.draw();
    let buffer;
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) {
        let message = `${response.status} ${response.statusText}`;
        try {
          const body = await response.json();
          if (body && body.error) message = body.error;
        } catch (err) {
          // not JSON: keep the status line
        }
        throw new Error(message);
      }
      buffer = await response.arrayBuffer();
    } catch (err) {
      if (err.name === "AbortError") return;
      this.fail(err.message);
      return;
    }
    if (controller !== this.controller) return;
    const info = wavInfo(buffer);
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = URL.createObjectURL(new Blob([buffer], { type: "audio/wav" }));
    this.audio.src = this.objectUrl;
    this.audio.dataset.url = url;
    this.audio.dataset.expectedMs = expectedMs ?? "";
    this.meta.textContent = wavSummary(info, buffer.byteLength, expectedMs);
    this.audio.play().catch(() => {}); // autoplay may be refused: the controls are there
    try {
      const rate = info ? Math.min(384000, Math.max(3000, info.rate)) : 44100;
      const context = new OfflineAudioContext(1, 1, rate);
      const decoded = await context.decodeAudioData(buffer.slice(0));
      if (controller !== this.controller) return;
      this.samples = decoded.getChannelData(0);
      this.peaks = null;
      this.wrap.dataset.state = "ready";
      this.draw();
    } catch (err) {
      if (controller !== this.controller) return;
      this.wrap.dataset.state = "error";
      this.status.textContent = "No waveform (the audio could not be decoded)";
    }
  }

  fail(message) {
    this.wrap.dataset.state = "error";
    this.status.textContent = "";
    this.meta.textContent = "";
    this.error.textContent = message;
    this.error.hidden = false;
    this.audio.removeAttribute("src");
    this.audio.load();
  }

  close() {
    this.controller?.abort();
    this.audio.pause();
    this.root.hidden = true;
    this.root.dispatchEvent(new CustomEvent("player:close", { bubbles: true }));
  }

  draw() {
    const rect = this.wrap.getBoundingClientRect();
    const W = Math.max(1, Math.round(rect.width));
    const H = Math.max(1, Math.round(rect.height));
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
      this.peaks = null;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const mid = H / 2;
    ctx.fillStyle = cssVar(this.root, "--border");
    ctx.fillRect(0, Math.round(mid), W, 1);
    if (!this.samples || this.wrap.dataset.state !== "ready") return;
    const bar = 2;
    const gap = 1;
    const bars = Math.max(1, Math.floor(W / (bar + gap)));
    if (!this.peaks || this.peaks.length !== bars * 2) this.peaks = peaks(this.samples, bars);
    let max = 0.0001;
    for (const v of this.peaks) max = Math.max(max, Math.abs(v));
    const scale = (H / 2 - 4) / Math.max(max, 0.05);
    const duration = this.audio.duration;
    const played = Number.isFinite(duration) && duration > 0 ? this.audio.currentTime / duration : 0;
    const wave = cssVar(this.root, "--wave");
    const done = cssVar(this.root, "--wave-played");
    for (let i = 0; i < bars; i += 1) {
      const lo = this.peaks[i * 2] * scale;
      const hi = this.peaks[i * 2 + 1] * scale;
      const px = i * (bar + gap);
      ctx.fillStyle = px / W < played ? done : wave;
      ctx.globalAlpha = px / W < played ? 1 : 0.55;
      ctx.fillRect(px, mid - Math.max(hi, 0.75), bar, Math.max(1.5, hi - lo));
    }
    ctx.globalAlpha = 1;
    if (played > 0) {
      const x = Math.round(played * W) + 0.5;
      ctx.fillStyle = cssVar(this.root, "--text");
      ctx.fillRect(x - 0.5, 0, 1.5, H);
    }
  }
}
