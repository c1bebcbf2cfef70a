import assert from "node:assert/strict";
import { test } from "node:test";

import { peaks, wavInfo, wavSummary } from "../../static/wav.js";

/** A PCM WAV: ``frames`` frames of ``channels`` x 16-bit samples, optional chunks before "data". */
function wav({ rate = 16000, channels = 1, bits = 16, frames = 1600, before = [] } = {}) {
  const dataBytes = frames * channels * (bits / 8);
  const extra = before.reduce((n, [, size]) => n + 8 + size + (size % 2), 0);
  const buffer = new ArrayBuffer(12 + 24 + extra + 8 + dataBytes);
  const view = new DataView(buffer);
  const tag = (offset, text) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  tag(0, "RIFF");
  view.setUint32(4, buffer.byteLength - 8, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * channels * (bits / 8), true);
  view.setUint16(32, channels * (bits / 8), true);
  view.setUint16(34, bits, true);
  let offset = 36;
  for (const [id, size] of before) {
    tag(offset, id);
    view.setUint32(offset + 4, size, true);
    offset += 8 + size + (size % 2);
  }
  tag(offset, "data");
  view.setUint32(offset + 4, dataBytes, true);
  return buffer;
}

test("rate, channels, bits and duration come from the header", () => {
  assert.deepEqual(wavInfo(wav()), { rate: 16000, channels: 1, bits: 16, durationMs: 100 });
  assert.deepEqual(wavInfo(wav({ rate: 8000, channels: 2, frames: 8000 })), { rate: 8000, channels: 2, bits: 16, durationMs: 1000 });
});

test("chunks before the data (odd sizes padded) are skipped", () => {
  assert.equal(wavInfo(wav({ before: [["LIST", 7], ["junk", 4]] })).durationMs, 100);
});

test("a truncated file counts only the data it holds", () => {
  const full = wav({ frames: 1600 });
  assert.equal(wavInfo(full.slice(0, full.byteLength - 1600)).durationMs, 50);
});

test("anything that is not a PCM WAV is null", () => {
  assert.equal(wavInfo(new ArrayBuffer(10)), null);
  const notRiff = wav();
  new DataView(notRiff).setUint8(0, 0x58);
  assert.equal(wavInfo(notRiff), null);
  const noData = wav();
  new DataView(noData).setUint8(44 - 8, 0x58); // "data" -> "Xata"
  assert.equal(wavInfo(noData), null);
});

test("peaks are the min and max of each slice", () => {
  const samples = Float32Array.from([0.1, -0.5, 0.3, 0.9, -0.2, 0.0]);
  assert.deepEqual([...peaks(samples, 3)].map((v) => Math.round(v * 10) / 10), [-0.5, 0.1, 0, 0.9, -0.2, 0]);
  assert.deepEqual([...peaks(samples, 1)].map((v) => Math.round(v * 10) / 10), [-0.5, 0.9]);
  assert.equal(peaks(new Float32Array(0), 4).length, 8);
});

test("the summary says when the event's duration disagrees with the file", () => {
  const info = wavInfo(wav({ frames: 16000 }));
  assert.equal(wavSummary(info, 32044), "1.00 s · 16 kHz · mono · 31.3 KB");
  assert.equal(wavSummary(info, 32044, 1010), "1.00 s · 16 kHz · mono · 31.3 KB");
  assert.equal(wavSummary(info, 32044, 500), "1.00 s · 16 kHz · mono · 31.3 KB · event says 500 ms");
  assert.equal(wavSummary({ ...info, rate: 22050, channels: 2 }, 1024), "1.00 s · 22.1 kHz · 2 ch · 1.0 KB");
  assert.equal(wavSummary(null, 2048), "2.0 KB");
});
