// The timeline's shapes, derived from one session's events: speech segments (speech_start to
// speech_end per VAD plugin), syntheses (start to complete per synthesis id, or to the error that
// ended them), and marks for everything else. Open segments and syntheses reach ``edge`` (live).
// Lanes, errors and transcripts come from the server's vocabulary (kind, family, is_error); only the
// events that open and close a span are matched by type. Pure functions of their input: no DOM.

import { timelineLane } from "./event-view.js";

/**
 * items: [{t, ev}] of one session in seq order. Returns {spans, marks}: spans are
 * {lane, t0, t1, start, end, open?, failed?, label?}, marks {lane, t, item, shape, label?, partial?}.
 */
export function deriveShapes(items, edge) {
  const spans = [];
  const marks = [];
  const speech = new Map();
  const synth = new Map();
  for (const item of items) {
    const ev = item.ev;
    const lane = timelineLane(ev);
    if (ev.is_error) {
      const start = ev.synthesis_id ? synth.get(ev.synthesis_id) : undefined;
      if (start) {
        synth.delete(ev.synthesis_id);
        spans.push({ lane: "tts", t0: start.t, t1: item.t, start, end: item, failed: true, label: start.ev.text });
      }
      marks.push({ lane, t: item.t, item, shape: "error" });
      continue;
    }
    if (ev.kind === "transcript") {
      marks.push({ lane, t: item.t, item, shape: "dot", label: ev.text });
      continue;
    }
    if (ev.kind === "partial") {
      marks.push({ lane, t: item.t, item, shape: "ring", label: ev.text, partial: true });
      continue;
    }
    switch (ev.event_type) {
      case "vad_speech_start":
        speech.set(ev.plugin_name, item);
        break;
      case "vad_speech_end": {
        const start = speech.get(ev.plugin_name);
        if (start) {
          speech.delete(ev.plugin_name);
          spans.push({ lane, t0: start.t, t1: item.t, start, end: item });
        } else {
          marks.push({ lane, t: item.t, item, shape: "tick" });
        }
        break;
      }
      case "tts_synthesis_start":
        synth.set(ev.synthesis_id, item);
        break;
      case "tts_synthesis_complete": {
        const start = synth.get(ev.synthesis_id);
        if (start) {
          synth.delete(ev.synthesis_id);
          spans.push({ lane, t0: start.t, t1: item.t, start, end: item, label: ev.text || start.ev.text });
        } else {
          marks.push({ lane, t: item.t, item, shape: "dot", label: ev.text });
        }
        break;
      }
      case "vad_audio":
        marks.push({ lane, t: item.t, item, shape: "audio" });
        break;
      case "tts_audio":
        marks.push({ lane, t: item.t, item, shape: "chunk" });
        break;
      case "sts_response":
        marks.push({ lane, t: item.t, item, shape: "dot", label: ev.text });
        break;
      case "sts_connected":
      case "sts_disconnected":
        marks.push({ lane, t: item.t, item, shape: "diamond" });
        break;
      default:
        marks.push({ lane, t: item.t, item, shape: ev.kind === "lifecycle" ? "diamond" : "small" });
    }
  }
  for (const start of speech.values()) spans.push({ lane: "vad", t0: start.t, t1: edge, start, end: null, open: true });
  for (const start of synth.values()) {
    spans.push({ lane: "tts", t0: start.t, t1: edge, start, end: null, open: true, label: start.ev.text });
  }
  return { spans, marks };
}
