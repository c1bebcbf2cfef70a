"""The built-in plugins on real engines: WebRTCVAD and EnergyVAD, PocketSphinxSTT, EspeakTTS.

Inputs are the shipped eSpeak NG prompts (16 kHz mono: 0.4 s of silence, the phrase, 0.6 s of
silence) and text spoken live by eSpeak NG. Events are read back from each plugin's registry.
"""

from __future__ import annotations

import itertools
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from plugins_core import EventRegistry
from plugins_core.audio import PcmData
from plugins_core.builtin import (
    EnergyVAD,
    EspeakTTS,
    MemorySink,
    PocketSphinxSTT,
    SyntheticSource,
    WavFileSink,
    WavFileSource,
    WebRTCVAD,
    prompt_files,
)
from plugins_core.builtin.sphinx_engine import FinalResult
from plugins_core.events import (
    AudioFormat,
    BaseEvent,
    EventType,
    PluginClosedEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)
from plugins_core.plugin import Plugin
from plugins_core.vad import VAD

RATE = 16000
CHUNK = 320  # 20 ms at 16 kHz: what WavFileSource hands out
PROMPTS: dict[str, Path] = {path.stem.replace("_", " "): path for path in prompt_files()}
PHRASES = list(PROMPTS)
LEAD_MS, TRAIL_MS = 400.0, 600.0
LOUD = 100  # |sample| above this (-50 dBFS) is speech, as scripts/make_prompts.py trims
SENTENCE = "Turn on the lights, then play some music."
# About 10 s of speech: far more chunks (~170 of 60 ms) than the 64 the engine queues ahead.
LONG_TEXT = (
    "The quick brown fox jumps over the lazy dog. Streaming speech should arrive in pieces, one "
    "buffer at a time, while the synthesizer is still working on the rest of the sentence."
)

E = TypeVar("E", bound=BaseEvent)
_sessions = itertools.count(1)


def of_type(events: Sequence[BaseEvent], cls: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, cls)]


def prompt(phrase: str) -> PcmData:
    pcm = PcmData.from_wav(PROMPTS[phrase])
    assert (pcm.sample_rate, pcm.channels) == (RATE, 1)
    return pcm


def spoken_span_ms(pcm: PcmData) -> tuple[float, float]:
    """Where the speech of a prompt starts and ends, in ms."""
    loud = np.flatnonzero(np.abs(pcm.samples.astype(np.int32)) > LOUD)
    return loud[0] * 1000.0 / RATE, (loud[-1] + 1) * 1000.0 / RATE


def chunks_of(pcm: PcmData, size: int = CHUNK) -> Iterator[PcmData]:
    for start in range(0, pcm.frame_count, size):
        yield PcmData(pcm.samples[start : start + size], pcm.sample_rate)


def new_session(plugin: Plugin) -> str:
    """A session of its own for a plugin shared by the module's tests: its events are told apart by it."""
    plugin.session_id = f"test-{next(_sessions)}"
    return plugin.session_id


@pytest.fixture(scope="module")
def registry() -> EventRegistry:
    return EventRegistry()


@pytest.fixture(scope="module")
def grammar_stt(registry: EventRegistry) -> PocketSphinxSTT:
    """Grammar mode over the demo phrases, loaded once; each test gives it its own session."""
    stt = PocketSphinxSTT(phrases=PHRASES, registry=registry)
    stt.recognizer.load()
    return stt


@pytest.fixture(scope="module")
def dictation_stt(registry: EventRegistry) -> PocketSphinxSTT:
    """Open dictation with the 26 MB en-us language model (0.5 s to load: once per module)."""
    stt = PocketSphinxSTT(registry=registry)
    stt.recognizer.load()
    return stt


def make_vad(kind: str, registry: EventRegistry) -> VAD:
    return WebRTCVAD(registry=registry) if kind == "webrtc" else EnergyVAD(registry=registry)


# ------------------------------------------------------------------------------------------------- VAD


@pytest.mark.asyncio
@pytest.mark.parametrize("phrase", PHRASES)
@pytest.mark.parametrize("kind", ["webrtc", "energy"])
async def test_vad_finds_exactly_one_speech_segment_per_prompt(kind: str, phrase: str) -> None:
    registry = EventRegistry()
    vad = make_vad(kind, registry)
    async for chunk in WavFileSource(PROMPTS[phrase], realtime=False):
        await vad.process_audio(chunk)
    await vad.flush()

    events = [e for e in registry.events if e.event_type not in (EventType.PLUGIN_INITIALIZED,)]
    core = [e.event_type for e in events if e.event_type is not EventType.VAD_PARTIAL]
    assert core == [EventType.VAD_SPEECH_START, EventType.VAD_AUDIO, EventType.VAD_SPEECH_END]
    assert all(e.session_id == vad.session_id and e.plugin_name == f"{kind}-vad" for e in events)
    (segment,) = of_type(events, VADAudioEvent)
    (start,) = of_type(events, VADSpeechStartEvent)
    (end,) = of_type(events, VADSpeechEndEvent)
    assert start.speech_probability >= start.activation_threshold == vad.activation_th
    assert start.timestamp <= segment.timestamp <= end.timestamp
    assert (segment.sample_rate, segment.channels, segment.audio_format) == (RATE, 1, AudioFormat.PCM_S16)
    assert segment.audio_data is not None and segment.duration_ms is not None
    assert len(segment.audio_data) == round(segment.duration_ms * RATE / 1000) * 2
    assert segment.audio_duration_ms == pytest.approx(segment.duration_ms)
    frame_ms = vad.frame_size * 1000.0 / vad.sample_rate
    # speech_end says how long the speech went on after speech_start: the segment less the frame that
    # started it and the silence the VAD waited for (speech_pad_ms, whole frames) before ending it
    assert end.total_speech_duration_ms == pytest.approx(
        segment.duration_ms - frame_ms - (vad.speech_pad_ms // frame_ms) * frame_ms
    )
    assert segment.speech_probability is not None and 0.5 <= segment.speech_probability <= 1.0

    # the segment is the prompt's own samples, cut where the speech is
    pcm = prompt(phrase)
    offset = pcm.to_bytes().find(segment.audio_data)
    assert offset >= 0 and offset % 2 == 0, "the segment is a slice of the input"
    begin_ms = offset / 2 * 1000.0 / RATE
    onset_ms, offset_ms = spoken_span_ms(pcm)
    assert onset_ms == LEAD_MS and pcm.duration_ms - offset_ms == pytest.approx(TRAIL_MS, abs=1)
    spoken_ms = offset_ms - onset_ms
    assert abs(begin_ms - onset_ms) <= 60, "the segment starts where the speech does"
    assert begin_ms + segment.duration_ms >= offset_ms, "and runs to the end of the speech"
    # speech start + duration is where the VAD last heard speech: for the energy VAD within a frame of
    # the last loud sample; WebRTC's detector judges a trailing fricative or breath for itself
    true_end_ms = begin_ms + frame_ms + end.total_speech_duration_ms
    assert abs(true_end_ms - offset_ms) <= (frame_ms if kind == "energy" else 200)
    # its length is the spoken part plus the hang-over of speech_pad_ms (300 ms) that ended it
    assert spoken_ms - 60 <= segment.duration_ms <= spoken_ms + vad.speech_pad_ms + 150


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["webrtc", "energy"])
async def test_vad_emits_nothing_for_silence(kind: str) -> None:
    registry = EventRegistry()
    vad = make_vad(kind, registry)
    async for chunk in SyntheticSource("silence", duration_s=2.0, realtime=False):
        await vad.process_audio(chunk)
    await vad.flush()
    assert not vad.is_speech_active
    assert [e.event_type for e in registry.events] == [EventType.PLUGIN_INITIALIZED]


# ------------------------------------------------------------------------------------------------- STT


async def stream(stt: PocketSphinxSTT, pcm: PcmData) -> FinalResult | None:
    """Feed ``pcm`` in 20 ms chunks inside one utterance, then end it."""
    for chunk in chunks_of(pcm):
        await stt.process_audio(chunk)
    return await stt.end_utterance()


@pytest.mark.asyncio
async def test_stt_streams_partial_transcripts_before_the_final_one(
    grammar_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    session = new_session(grammar_stt)
    result = await stream(grammar_stt, prompt("what time is it"))
    assert result is not None and result.text == "what time is it"
    assert not grammar_stt.in_utterance

    events = registry.get_session_events(session)
    partials = of_type(events, STTPartialTranscriptEvent)
    (final,) = of_type(events, STTTranscriptEvent)
    assert len(partials) >= 2
    assert events[-1] is final, "the final transcript comes last"
    assert all(p.timestamp <= final.timestamp for p in partials)
    assert all(not p.is_final and p.text for p in partials) and final.is_final
    durations = [p.audio_duration_ms or 0.0 for p in partials]
    assert durations == sorted(durations) and durations[-1] <= (final.audio_duration_ms or 0.0)
    assert {p.model_name for p in partials} == {final.model_name} == {"pocketsphinx-en-us-grammar"}
    assert final.text == result.text and final.language == "en-US"
    assert final.audio_duration_ms == pytest.approx(prompt("what time is it").duration_ms, abs=20)
    assert all(e.plugin_name == "pocketsphinx" and e.plugin_version for e in events)


@pytest.mark.asyncio
async def test_stt_final_has_a_confidence_in_0_1_and_word_timings(
    grammar_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    for phrase in PHRASES:
        session = new_session(grammar_stt)
        result = await stream(grammar_stt, prompt(phrase))
        assert result is not None
        (final,) = of_type(registry.get_session_events(session), STTTranscriptEvent)
        assert final.text == phrase
        assert final.confidence is not None and 0.0 <= final.confidence <= 1.0
        assert final.confidence == pytest.approx(result.confidence)
        words = final.words or []
        assert [w["word"] for w in words] == phrase.split()
        assert final.confidence == pytest.approx(float(np.prod([w["confidence"] for w in words])))
        previous_end = 0.0
        for word in words:
            assert set(word) == {"word", "start_ms", "end_ms", "confidence"}
            assert previous_end <= word["start_ms"] < word["end_ms"]
            assert 0.0 <= word["confidence"] <= 1.0
            previous_end = word["end_ms"]
        onset_ms, offset_ms = spoken_span_ms(prompt(phrase))
        # the words lie where the prompt is spoken (its 0.4 s lead-in and 0.6 s tail are silence)
        assert onset_ms - 150 <= words[0]["start_ms"] <= onset_ms + 150
        assert offset_ms - 250 <= words[-1]["end_ms"] <= offset_ms + 250
        assert final.processing_time_ms is not None and final.processing_time_ms > 0


@pytest.mark.asyncio
async def test_stt_dictation_mode_gives_some_text(
    dictation_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    session = new_session(dictation_stt)
    assert dictation_stt.recognizer.mode == "dictation"
    result = await dictation_stt.transcribe(prompt("turn on the lights"))
    assert result is not None and result.text.strip()
    (final,) = of_type(registry.get_session_events(session), STTTranscriptEvent)
    assert final.text == result.text
    assert final.model_name == "pocketsphinx-en-us-dictation"
    assert final.confidence is not None and 0.0 <= final.confidence <= 1.0


@pytest.mark.asyncio
async def test_stt_transcribe_recognizes_one_whole_segment(
    grammar_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    session = new_session(grammar_stt)
    user = {"user_id": "u1"}
    result = await grammar_stt.transcribe(prompt("play some music"), user)
    assert result is not None and result.text == "play some music"
    assert result.audio_duration_ms == pytest.approx(prompt("play some music").duration_ms, abs=20)
    assert 0.0 < result.real_time_factor < 1.0
    events = registry.get_session_events(session)
    assert [e.event_type for e in events][-1] is EventType.STT_TRANSCRIPT
    assert of_type(events, STTPartialTranscriptEvent), "transcribe() streams like a live segment"
    assert all(e.user_metadata == user for e in events)
    assert not grammar_stt.in_utterance


@pytest.mark.asyncio
async def test_stt_hears_espeak_output_at_22050_hz_through_its_resampler(
    grammar_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    tts = EspeakTTS(registry=EventRegistry())
    speech = (await tts.send("hello world")).audio
    assert speech.sample_rate == 22050
    silence = np.zeros(round(0.4 * 22050), np.int16)
    utterance = PcmData(np.concatenate([silence, speech.samples, silence]), 22050)
    session = new_session(grammar_stt)
    result = await grammar_stt.transcribe(utterance)
    assert result is not None and result.text == "hello world"
    # the recognizer heard 16 kHz audio of the same length
    assert result.audio_duration_ms == pytest.approx(utterance.duration_ms, abs=25)
    assert [e.text for e in of_type(registry.get_session_events(session), STTTranscriptEvent)] == [
        "hello world"
    ]


@pytest.mark.asyncio
async def test_stt_utterance_of_silence_gives_no_transcript(
    grammar_stt: PocketSphinxSTT, registry: EventRegistry
) -> None:
    session = new_session(grammar_stt)
    silence = PcmData(np.zeros(RATE, np.int16), RATE)
    assert await stream(grammar_stt, silence) is None
    assert await grammar_stt.transcribe(silence) is None
    assert registry.get_session_events(session) == []  # no transcript, no partial, no error
    assert not grammar_stt.in_utterance


@pytest.mark.asyncio
async def test_stt_processes_nothing_after_close() -> None:
    registry = EventRegistry()
    stt = PocketSphinxSTT(phrases=PHRASES, registry=registry)
    await stt.warm_up()
    assert (await stt.transcribe(prompt("goodbye"))) is not None  # it works before close
    for chunk in itertools.islice(chunks_of(prompt("hello world")), 40):
        await stt.process_audio(chunk)  # closing in the middle of an utterance
    assert stt.in_utterance
    await stt.close()
    assert stt.is_closed and not stt.in_utterance
    seen = registry.last_seq

    for chunk in chunks_of(prompt("hello world")):
        await stt.process_audio(chunk)
    assert await stt.end_utterance() is None
    assert await stt.transcribe(prompt("goodbye")) is None
    assert registry.last_seq == seen, "nothing is emitted once closed"
    assert not stt.in_utterance
    closed = of_type(registry.events, PluginClosedEvent)
    assert len(closed) == 1 and registry.events[-1] is closed[0]
    assert [e.text for e in of_type(registry.events, STTTranscriptEvent)] == ["goodbye"]


# ------------------------------------------------------------------------------------------------- TTS


def synthesis_events(
    events: Sequence[BaseEvent],
) -> tuple[TTSSynthesisStartEvent, list[TTSAudioEvent], TTSSynthesisCompleteEvent]:
    types = [e.event_type for e in events if e.event_type is not EventType.PLUGIN_INITIALIZED]
    chunks = of_type(events, TTSAudioEvent)
    assert types == [
        EventType.TTS_SYNTHESIS_START,
        *[EventType.TTS_AUDIO] * len(chunks),
        EventType.TTS_SYNTHESIS_COMPLETE,
    ]
    (start,) = of_type(events, TTSSynthesisStartEvent)
    (complete,) = of_type(events, TTSSynthesisCompleteEvent)
    return start, chunks, complete


@pytest.mark.asyncio
async def test_tts_send_emits_one_audio_event_per_chunk_only_the_last_final() -> None:
    registry = EventRegistry()
    tts = EspeakTTS(registry=registry)
    received: list[TTSAudioEvent] = []
    tts.on("audio", received.append)
    result = await tts.send(SENTENCE)

    start, chunks, complete = synthesis_events(registry.events)
    assert received == chunks
    assert len(chunks) >= 20, "a sentence streams as many ~60 ms chunks"
    assert all(
        c.sample_rate == 22050 and c.channels == 1 and c.audio_format is AudioFormat.PCM_S16 for c in chunks
    )
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert [c.is_final_chunk for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert {c.synthesis_id for c in chunks} == {
        start.synthesis_id,
        complete.synthesis_id,
        result.synthesis_id,
    }
    assert {c.text_source for c in chunks} == {start.text, complete.text} == {SENTENCE}
    assert (start.model_name, start.voice_id) == ("espeak-ng", "en-us")
    joined = b"".join(c.audio_data or b"" for c in chunks)
    assert joined == result.audio.to_bytes() and complete.total_audio_bytes == len(joined)
    assert complete.chunk_count == len(chunks)
    assert complete.audio_duration_ms == pytest.approx(len(joined) / 2 / 22050 * 1000)
    assert 1500 < (complete.audio_duration_ms or 0) < 6000
    assert all(
        e.plugin_name == "espeak-ng" and e.plugin_version and e.session_id == tts.session_id
        for e in registry.events
    )


@pytest.mark.asyncio
async def test_tts_chunks_stream_while_the_engine_is_still_synthesizing() -> None:
    registry = EventRegistry()
    tts = EspeakTTS(registry=registry)
    busy_at_chunk: list[bool] = []
    tts.on("audio", lambda event: busy_at_chunk.append(tts.engine.busy))
    await tts.send(LONG_TEXT)
    start, chunks, complete = synthesis_events(registry.events)
    # chunks were handed out while libespeak-ng still held the rest of the text: it runs ahead of
    # the consumer by at most the 64 chunks its queue holds, so the events cannot wait for the end
    assert len(chunks) == complete.chunk_count > 64 + 2
    assert busy_at_chunk[0] and not busy_at_chunk[-1]
    assert sum(busy_at_chunk) >= len(chunks) - 66
    assert start.timestamp < chunks[0].timestamp < chunks[-1].timestamp <= complete.timestamp


@pytest.mark.asyncio
async def test_tts_output_to_a_memory_sink_is_the_joined_audio_events() -> None:
    registry = EventRegistry()
    sink = MemorySink()
    tts = EspeakTTS(registry=registry, output=sink)
    result = await tts.send(SENTENCE)
    _, chunks, complete = synthesis_events(registry.events)
    assert sink.sample_rate == 22050 and sink.chunks_written == len(chunks)
    assert sink.to_bytes() == b"".join(c.audio_data or b"" for c in chunks) == result.audio.to_bytes()
    assert sink.pcm().duration_ms == pytest.approx(complete.audio_duration_ms)


@pytest.mark.asyncio
async def test_tts_output_to_a_wav_file_sink_is_the_joined_audio_events(tmp_path: Path) -> None:
    registry = EventRegistry()
    path = tmp_path / "reply.wav"
    sink = WavFileSink(path)
    tts = EspeakTTS(registry=registry, output=sink)
    await tts.send(SENTENCE)
    await sink.close()
    _, chunks, complete = synthesis_events(registry.events)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (22050, 1, 2)
        frames = wav.readframes(wav.getnframes())
    assert frames == b"".join(c.audio_data or b"" for c in chunks)
    assert PcmData.from_wav(path).duration_ms == pytest.approx(complete.audio_duration_ms)
