// Page JSON of events, as inspector/eventjson.py sends them (the vocabulary fields included), for
// the pure modules' tests. Only the fields the modules read are filled in.

const VOCABULARY = {
  vad_speech_start: ["speech", "vad", false, false],
  vad_speech_end: ["speech", "vad", false, false],
  vad_audio: ["speech", "vad", false, true],
  vad_partial: ["speech", "vad", false, true],
  vad_error: ["error", "vad", true, false],
  stt_transcript: ["transcript", "stt", false, false],
  stt_partial_transcript: ["partial", "stt", false, false],
  stt_error: ["error", "stt", true, false],
  stt_connection: ["lifecycle", "stt", false, false],
  tts_synthesis_start: ["synthesis", "tts", false, false],
  tts_audio: ["synthesis", "tts", false, true],
  tts_synthesis_complete: ["synthesis", "tts", false, false],
  tts_error: ["error", "tts", true, false],
  sts_connected: ["sts", "sts", false, false],
  sts_response: ["sts", "sts", false, false],
  sts_transcript: ["transcript", "sts", false, false],
  sts_audio_output: ["sts", "sts", false, true],
  plugin_initialized: ["lifecycle", "plugin", false, false],
  plugin_error: ["error", "plugin", true, false],
};

let seq = 0;

/** One event of ``type`` at ``t`` ms after 2026-01-01T00:00:00Z, with ``fields`` on top. */
export function ev(type, t = 0, fields = {}) {
  const [kind, family, isError, hasAudio] = VOCABULARY[type];
  seq += 1;
  return {
    event_type: type,
    event_id: `id-${seq}`,
    seq,
    timestamp: new Date(Date.UTC(2026, 0, 1) + t).toISOString(),
    session_id: "s1",
    plugin_name: `${family}-1`,
    kind,
    family,
    is_error: isError,
    has_audio: hasAudio,
    summary: "",
    summary_quiet: true,
    ...fields,
  };
}

/** Timeline items ({t, ev}) of events in order. */
export function items(events) {
  return events.map((e) => ({ t: Date.parse(e.timestamp), ev: e }));
}
