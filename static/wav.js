// WAV and waveform arithmetic for the audio player (pure: no DOM, no Web Audio).

import { formatDuration } from "./format.js";

/** An audio file whose length differs from the event's own duration by more than this is flagged. */
export const DURATION_MISMATCH_MS = 20;

/** Sample rate, channels and duration from a PCM WAV header (null when it is not one). */
export function wavInfo(buffer) {
  if (buffer.byteLength < 44) return null;
  const view = new DataView(buffer);
  const tag = (offset) => String.fromCharCode(...new Uint8Array(buffer, offset, 4));
  if (tag(0) !== "RIFF" || tag(8) !== "WAVE") return null;
  let offset = 12;
  let rate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= buffer.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === "fmt ") {
      channels = view.getUint16(offset + 10, true);
      rate = view.getUint32(offset + 12, true);
      bits = view.getUint16(offset + 22, true);
    } else if (id === "data" && rate && channels && bits) {
      const bytes = Math.min(size, buffer.byteLength - offset - 8);
      return { rate, channels, bits, durationMs: (bytes / (channels * (bits / 8)) / rate) * 1000 };
    }
    offset += 8 + size + (size % 2);
  }
  return null;
}

/** Min and max of each of ``bars`` equal slices of ``samples``: [min0, max0, min1, max1, ...]. */
export function peaks(samples, bars) {
  const out = new Float32Array(bars * 2);
  const per = samples.length / bars;
  for (let i = 0; i < bars; i += 1) {
    const from = Math.floor(i * per);
    const to = Math.max(from + 1, Math.floor((i + 1) * per));
    let lo = 0;
    let hi = 0;
    for (let j = from; j < to && j < samples.length; j += 1) {
      const v = samples[j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[i * 2] = lo;
    out[i * 2 + 1] = hi;
  }
  return out;
}

/**
 * One line about a fetched file: "1.24 s · 16 kHz · mono · 38.8 KB", plus "event says 1.00 s" when
 * the event's own duration (``expectedMs``) disagrees with the file, so a mismatch is visible.
 */
export function wavSummary(info, bytes, expectedMs = null) {
  const size = `${(bytes / 1024).toFixed(1)} KB`;
  if (!info) return size;
  const parts = [
    formatDuration(info.durationMs),
    `${(info.rate / 1000).toFixed(info.rate % 1000 ? 1 : 0)} kHz`,
    info.channels === 1 ? "mono" : `${info.channels} ch`,
    size,
  ];
  if (expectedMs !== null && expectedMs !== undefined && Math.abs(expectedMs - info.durationMs) > DURATION_MISMATCH_MS) {
    parts.push(`event says ${formatDuration(expectedMs)}`);
  }
  return parts.join(" · ");
}
