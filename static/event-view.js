// What the page shows of an event, from the fields the server sends with it: kind, family,
// is_error, has_audio, summary, summary_quiet, audio {url, duration_ms, evicted} (inspector/eventjson.py,
// decided once in plugins_core). Nothing here looks at the type's name to classify it. Pure: no DOM.

import { shortId } from "./format.js";

/** Timeline lanes, top to bottom: the plugin families, lifecycle events in their own lane. */
export const LANES = [
  { key: "vad", label: "VAD" },
  { key: "stt", label: "STT" },
  { key: "tts", label: "TTS" },
  { key: "sts", label: "STS" },
  { key: "plugin", label: "Lifecycle" },
];

/** The timeline lane of an event: "plugin" for lifecycle events (connections too), else its family.
 * (A lane of the server's vocabulary, not a type name's prefix.) */
export function timelineLane(ev) {
  return ev.kind === "lifecycle" ? "plugin" : ev.family;
}

/** The event's confidence, as min_confidence compares it (null when it has none). */
export function confidenceOf(ev) {
  return typeof ev.confidence === "number" ? ev.confidence : null;
}

/** The audio buttons an event offers, as {url, label, title, durationMs, name}: its own audio, and
 * the whole synthesis it belongs to. ``urls`` is static/urls.js's builder. */
export function audioActions(ev, urls) {
  const actions = [];
  const audio = ev.audio;
  const chunk = ev.kind === "synthesis";
  if (ev.has_audio && audio && audio.url && !audio.evicted) {
    actions.push({
      url: audio.url,
      label: chunk ? "chunk" : "play",
      title: chunk ? "Play this chunk" : "Play this speech segment",
      durationMs: audio.duration_ms,
      name: `${ev.event_type} #${ev.seq}`,
    });
  }
  if (ev.kind === "synthesis" && ev.synthesis_id) {
    actions.push({
      url: urls.synthesisAudio(ev.synthesis_id),
      label: ev.has_audio ? "all" : "play",
      title: "Play the whole synthesis",
      durationMs: typeof ev.audio_duration_ms === "number" && !ev.has_audio ? ev.audio_duration_ms : null,
      name: `synthesis ${shortId(ev.synthesis_id)}`,
    });
  }
  return actions;
}
