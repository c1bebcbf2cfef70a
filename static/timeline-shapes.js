// The timeline's shapes, derived from one session's events: speech segments (speech_start to
// speech_end per VAD plugin), syntheses (start to complete per synthesis id, or to the error that
// ended them), and marks for everything else. Open segments and syntheses reach ``edge`` (live).
// Pure functions of their input: no DOM, no canvas.

import { isError, laneOf } from "./util.js";

const CONNECTION_TYPES = new Set(["stt_connection", "tts_connection", "sts_connected", "sts_disconnected"]);

/** The lane of an event type: its plugin kind, or "plugin" (lifecycle) for connections. */
export function laneFor(type) {
  if (CONNECTION_TYPES.has(type)) return "plugin";
  return laneOf(type);
}

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
    const type = ev.event_type;
    if (isError(type)) {
      const lane = laneFor(type);
      if (type === "tts_error" && ev.synthesis_id && synth.has(ev.synthesis_id)) {
        const start = synth.get(ev.synthesis_id);
        synth.delete(ev.synthesis_id);
        spans.push({ lane: "tts", t0: start.t, t1: item.t, start, end: item, failed: true, label: start.ev.text });
      }
      marks.push({ lane, t: item.t, item, shape: "error" });
      continue;
    }
    switch (type) {
      case "vad_speech_start":
        speech.set(ev.plugin_name, item);
        break;
      case "vad_speech_end": {
        const start = speech.get(ev.plugin_name);
        if (start) {
          speech.delete(ev.plugin_name);
          spans.push({ lane: "vad", t0: start.t, t1: item.t, start, end: item });
        } else {
          marks.push({ lane: "vad", t: item.t, item, shape: "tick" });
        }
        break;
      }
      case "vad_audio":
        marks.push({ lane: "vad", t: item.t, item, shape: "audio" });
        break;
      case "vad_partial":
        marks.push({ lane: "vad", t: item.t, item, shape: "small" });
        break;
      case "stt_transcript":
        marks.push({ lane: "stt", t: item.t, item, shape: "dot", label: ev.text });
        break;
      case "stt_partial_transcript":
        marks.push({ lane: "stt", t: item.t, item, shape: "ring", label: ev.text, partial: true });
        break;
      case "tts_synthesis_start":
        synth.set(ev.synthesis_id, item);
        break;
      case "tts_synthesis_complete": {
        const start = synth.get(ev.synthesis_id);
        if (start) {
          synth.delete(ev.synthesis_id);
          spans.push({ lane: "tts", t0: start.t, t1: item.t, start, end: item, label: ev.text || start.ev.text });
        } else {
          marks.push({ lane: "tts", t: item.t, item, shape: "dot", label: ev.text });
        }
        break;
      }
      case "tts_audio":
        marks.push({ lane: "tts", t: item.t, item, shape: "chunk" });
        break;
      case "sts_transcript":
      case "sts_response":
        marks.push({ lane: "sts", t: item.t, item, shape: "dot", label: ev.text });
        break;
      default:
        marks.push({ lane: laneFor(type), t: item.t, item, shape: laneFor(type) === "plugin" ? "diamond" : "small" });
    }
  }
  for (const start of speech.values()) spans.push({ lane: "vad", t0: start.t, t1: edge, start, end: null, open: true });
  for (const start of synth.values()) {
    spans.push({ lane: "tts", t0: start.t, t1: edge, start, end: null, open: true, label: start.ev.text });
  }
  return { spans, marks };
}
