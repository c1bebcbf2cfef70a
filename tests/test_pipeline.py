"""End to end through the built-in VoicePipeline, with real engines and no mocks.

eSpeak NG speaks (the shipped prompts, and a sentence synthesized here from the grammar phrases), a
WAV file source feeds the VAD (WebRTC or energy), PocketSphinx transcribes in grammar mode, the
scripted reply policy answers and eSpeak NG speaks the answer into a memory sink. Every conversation
is checked through the events the registry received: their order, identity, timings and payloads.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from plugins_core import EventRegistry
from plugins_core.audio import PcmData
from plugins_core.builtin import (
    DEMO_REPLIES,
    EnergyVAD,
    EspeakTTS,
    MemorySink,
    PocketSphinxSTT,
    ScriptedReplies,
    Turn,
    VoicePipeline,
    WavFileSource,
    WebRTCVAD,
    prompt_files,
)
from plugins_core.builtin.espeak_engine import EspeakEngine
from plugins_core.events import (
    BaseEvent,
    EventType,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)
from plugins_core.vad import VAD

RATE = 16000
LEAD_S, TRAIL_S = 0.4, 0.6  # silence around the live sentence, as the shipped prompts have it
PROMPTS: dict[str, Path] = {path.stem.replace("_", " "): path for path in prompt_files()}
LIVE_SENTENCE = "turn on the lights"  # one of the grammar phrases, synthesized by each test run
LIVE = "live"
# What may appear between the events of the core sequence: partial results while the user speaks.
PARTIAL_TYPES = {EventType.STT_PARTIAL_TRANSCRIPT, EventType.VAD_PARTIAL}
LIFECYCLE_TYPES = {EventType.PLUGIN_INITIALIZED, EventType.PLUGIN_CLOSED}
CLOCK_SLACK_MS = 2.0  # event times are wall-clock, synthesis_time_ms is perf_counter: allow them to differ

E = TypeVar("E", bound=BaseEvent)


@dataclass(frozen=True)
class Conversation:
    label: str  # the prompt's phrase, or LIVE for the sentence synthesized in the test
    phrase: str  # what was said
    session_id: str
    turns: list[Turn]
    events: list[BaseEvent]  # the session's events in registration order
    seqs: list[int]  # their registry sequence numbers
    output: bytes  # what the output sink received during the conversation
    output_rate: int | None


@dataclass(frozen=True)
class Run:
    vad: VAD
    stt: PocketSphinxSTT
    tts: EspeakTTS
    registry: EventRegistry
    conversations: list[Conversation]
    live_wav: Path
    live_audio: PcmData  # what eSpeak NG produced for LIVE_SENTENCE, at its own rate


def of_type(events: Sequence[BaseEvent], cls: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, cls)]


def one(events: Sequence[BaseEvent], cls: type[E]) -> E:
    found = of_type(events, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {len(found)}"
    return found[0]


def ms_between(earlier: BaseEvent, later: BaseEvent) -> float:
    return (later.timestamp - earlier.timestamp).total_seconds() * 1000.0


def make_vad(kind: str, registry: EventRegistry) -> VAD:
    # 150 ms of pre-roll, as the demo uses, so that the recognizer hears the first phoneme whole
    if kind == "webrtc":
        return WebRTCVAD(registry=registry, prefix_pad_ms=150)
    return EnergyVAD(registry=registry, prefix_pad_ms=150)


async def speak(text: str) -> tuple[PcmData, PcmData]:
    """eSpeak NG's audio for ``text`` (22,050 Hz) and the utterance made of it: 16 kHz, padded with
    silence before and after as a microphone would hear a user."""
    tts = EspeakTTS(registry=EventRegistry())
    result = await tts.send(text)
    await tts.close()
    speech = result.audio.resample(RATE).samples
    padded = np.concatenate(
        [np.zeros(round(LEAD_S * RATE), np.int16), speech, np.zeros(round(TRAIL_S * RATE), np.int16)]
    )
    return result.audio, PcmData(padded, RATE)


async def hold_conversations(vad_kind: str, directory: Path) -> Run:
    registry = EventRegistry()
    replies = ScriptedReplies()
    vad = make_vad(vad_kind, registry)
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    await stt.warm_up()
    tts = EspeakTTS(registry=registry)
    sink = MemorySink()
    pipeline = VoicePipeline(vad, stt, tts, replies, output=sink, pace_output=False)

    live_audio, utterance = await speak(LIVE_SENTENCE)
    live_wav = directory / "live.wav"
    live_wav.write_bytes(utterance.to_wav_bytes())
    sources = [(phrase, phrase, path) for phrase, path in PROMPTS.items()]
    sources.append((LIVE, LIVE_SENTENCE, live_wav))

    conversations = []
    for label, phrase, path in sources:
        sink.clear()
        result = await pipeline.run_conversation(WavFileSource(path, realtime=False))
        events = registry.get_session_events(result.session_id)
        seqs = []
        for event in events:
            registered = registry.get_registered(event.event_id)
            assert registered is not None
            seqs.append(registered.seq)
        conversations.append(
            Conversation(
                label,
                phrase,
                result.session_id,
                result.turns,
                events,
                seqs,
                sink.to_bytes(),
                sink.sample_rate,
            )
        )
    await pipeline.close()
    return Run(vad, stt, tts, registry, conversations, live_wav, live_audio)


@pytest.fixture(scope="module", params=["webrtc", "energy"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One conversation per shipped prompt plus one for the live sentence, through each VAD."""
    kind: str = request.param
    return asyncio.run(hold_conversations(kind, tmp_path_factory.mktemp(f"pipeline-{kind}")))


# ------------------------------------------------------------------------------------------- the inputs


def test_the_live_sentence_went_through_a_wav_file_at_16_khz(run: Run) -> None:
    assert run.live_audio.sample_rate == EspeakEngine.get().sample_rate == 22050
    read_back = PcmData.from_wav(run.live_wav)
    assert (read_back.sample_rate, read_back.channels) == (RATE, 1)
    expected = run.live_audio.resample(RATE).frame_count + round((LEAD_S + TRAIL_S) * RATE)
    assert read_back.frame_count == expected
    lead, trail = round(LEAD_S * RATE), round(TRAIL_S * RATE)
    assert not read_back.samples[:lead].any() and not read_back.samples[-trail:].any()
    assert np.abs(read_back.samples[lead:-trail].astype(np.int32)).max() > 3000  # real speech


# --------------------------------------------------------------------------------------- conversations


def test_each_conversation_gets_its_own_session_id(run: Run) -> None:
    ids = [c.session_id for c in run.conversations]
    assert len(ids) == len(PROMPTS) + 1 == 10
    assert len(set(ids)) == len(ids)
    for conversation in run.conversations:
        assert re.fullmatch(r"conv-[0-9a-f]{12}", conversation.session_id)
        assert all(event.session_id == conversation.session_id for event in conversation.events)
        kinds = {event.event_type.value.split("_")[0] for event in conversation.events}
        assert kinds == {"vad", "stt", "tts"}, "all three plugins speak in the conversation's session"
    # nothing the plugins emitted while conversing fell outside the conversation it belongs to
    conversing = [e for e in run.registry.events if e.event_type not in LIFECYCLE_TYPES]
    assert len(conversing) == sum(len(c.events) for c in run.conversations)


def test_each_conversation_is_one_turn_heard_and_answered(run: Run) -> None:
    for conversation in run.conversations:
        assert len(conversation.turns) == 1, conversation.label
        turn = conversation.turns[0]
        assert turn.heard == conversation.phrase
        assert turn.reply is not None and turn.synthesis is not None


def test_events_come_in_the_order_of_a_spoken_exchange(run: Run) -> None:
    for conversation in run.conversations:
        types = [event.event_type for event in conversation.events]
        core = [t for t in types if t not in PARTIAL_TYPES]
        chunks = core.count(EventType.TTS_AUDIO)
        assert chunks >= 2, "a spoken reply streams in several chunks"
        assert core == [
            EventType.VAD_SPEECH_START,
            EventType.VAD_AUDIO,
            EventType.VAD_SPEECH_END,
            EventType.STT_TRANSCRIPT,
            EventType.TTS_SYNTHESIS_START,
            *[EventType.TTS_AUDIO] * chunks,
            EventType.TTS_SYNTHESIS_COMPLETE,
        ], conversation.label
        # partial results only while the user speaks: after speech_start, before the final transcript
        start, final = types.index(EventType.VAD_SPEECH_START), types.index(EventType.STT_TRANSCRIPT)
        partial_at = [i for i, t in enumerate(types) if t in PARTIAL_TYPES]
        assert all(start < i < final for i in partial_at)
        assert EventType.STT_PARTIAL_TRANSCRIPT in types[start:final], "partials precede the final"
        assert conversation.seqs == sorted(conversation.seqs), "events listed in registration order"


def test_events_carry_the_name_and_version_of_the_plugin_that_emitted_them(run: Run) -> None:
    plugins = {"vad": run.vad, "stt": run.stt, "tts": run.tts}
    assert (run.stt.provider_name, run.tts.provider_name) == ("pocketsphinx", "espeak-ng")
    assert run.vad.provider_name in ("webrtc-vad", "energy-vad")
    assert run.stt.plugin_version == importlib.metadata.version("pocketsphinx")
    assert run.tts.plugin_version == EspeakEngine.get().version
    assert re.match(r"\d+\.\d+", run.tts.plugin_version or "")
    for conversation in run.conversations:
        for event in conversation.events:
            plugin = plugins[event.event_type.value.split("_")[0]]
            assert (event.plugin_name, event.plugin_version) == (plugin.provider_name, plugin.plugin_version)


def test_vad_events_carry_a_plugin_version(run: Run) -> None:
    for conversation in run.conversations:
        for event in conversation.events:
            if event.event_type.value.startswith("vad_"):
                assert event.plugin_version, f"{event.event_type.value} from {event.plugin_name}"


def test_grammar_mode_transcribes_every_shipped_prompt_exactly(run: Run) -> None:
    heard = {}
    for conversation in run.conversations:
        if conversation.label != LIVE:
            final = one(conversation.events, STTTranscriptEvent)
            heard[conversation.label] = final.text
            assert [w["word"] for w in final.words or []] == final.text.split()
            assert final.model_name == "pocketsphinx-en-us-grammar"
    assert heard == {phrase: phrase for phrase in PROMPTS}
    assert sorted(PROMPTS) == sorted(DEMO_REPLIES), "one shipped prompt per phrase of the grammar"


def test_grammar_mode_transcribes_a_sentence_synthesized_in_the_test_exactly(run: Run) -> None:
    live = next(c for c in run.conversations if c.label == LIVE)
    assert LIVE_SENTENCE in ScriptedReplies().phrases
    final = one(live.events, STTTranscriptEvent)
    assert final.text == LIVE_SENTENCE
    assert final.confidence is not None and 0.0 <= final.confidence <= 1.0
    assert live.turns[0].reply == DEMO_REPLIES[LIVE_SENTENCE]


def test_the_recognizer_hears_the_vad_segment_and_answers_just_after_speech_ends(run: Run) -> None:
    for conversation in run.conversations:
        events = conversation.events
        segment = one(events, VADAudioEvent)
        end = one(events, VADSpeechEndEvent)
        final = one(events, STTTranscriptEvent)
        assert segment.duration_ms is not None and final.audio_duration_ms is not None
        # the STT got the open segment at speech_start, then every chunk up to the one that ended it
        assert segment.duration_ms <= final.audio_duration_ms <= segment.duration_ms + 60
        assert 0 < end.total_speech_duration_ms < segment.duration_ms  # pre-roll and waited silence excluded
        assert final.timestamp >= end.timestamp
        assert events.index(final) > events.index(end)
        assert ms_between(end, final) < 500, "the final transcript follows speech_end at once"
        words = final.words or []
        assert words and words[-1]["end_ms"] <= final.audio_duration_ms
        partials = of_type(events, STTPartialTranscriptEvent)
        assert all(p.timestamp <= final.timestamp for p in partials)
        assert [p.audio_duration_ms for p in partials] == sorted(p.audio_duration_ms or 0 for p in partials)


def test_timestamps_never_go_backwards_in_registration_order(run: Run) -> None:
    for conversation in run.conversations:
        times = [event.timestamp for event in conversation.events]
        assert times == sorted(times), conversation.label
        start = one(conversation.events, VADSpeechStartEvent)
        assert start.timestamp == times[0]
    everything = run.registry.events  # all sessions and lifecycle events, in registration order
    assert [e.timestamp for e in everything] == sorted(e.timestamp for e in everything)


def test_synthesis_time_covers_the_first_to_the_last_chunk(run: Run) -> None:
    for conversation in run.conversations:
        events = conversation.events
        begin = one(events, TTSSynthesisStartEvent)
        chunks = of_type(events, TTSAudioEvent)
        complete = one(events, TTSSynthesisCompleteEvent)
        assert begin.timestamp >= one(events, STTTranscriptEvent).timestamp
        assert begin.timestamp <= chunks[0].timestamp <= chunks[-1].timestamp <= complete.timestamp
        streamed_ms = ms_between(chunks[0], chunks[-1])
        assert complete.synthesis_time_ms + CLOCK_SLACK_MS >= streamed_ms
        assert complete.synthesis_time_ms <= ms_between(begin, complete) + CLOCK_SLACK_MS
        assert complete.chunk_count == len(chunks)
        assert complete.audio_duration_ms is not None and complete.real_time_factor is not None
        assert complete.real_time_factor == pytest.approx(
            complete.synthesis_time_ms / complete.audio_duration_ms
        )
        assert complete.real_time_factor < 1.0, "eSpeak NG is faster than real time"


def test_what_tts_synthesized_is_the_reply_policys_answer(run: Run) -> None:
    policy = ScriptedReplies()
    for conversation in run.conversations:
        events = conversation.events
        heard = one(events, STTTranscriptEvent).text
        turn = conversation.turns[0]
        if heard == "what time is it":  # the answer names the current minute
            assert turn.reply is not None and re.fullmatch(r"It is \d\d:\d\d\.", turn.reply)
        elif heard == "what day is it":  # and this one the day
            assert turn.reply is not None and re.fullmatch(r"Today is [A-Z][a-z]+day\.", turn.reply)
        else:
            assert turn.reply == policy(heard) == DEMO_REPLIES[heard]
        begin = one(events, TTSSynthesisStartEvent)
        complete = one(events, TTSSynthesisCompleteEvent)
        chunks = of_type(events, TTSAudioEvent)
        assert begin.text == complete.text == turn.reply
        assert {chunk.text_source for chunk in chunks} == {turn.reply}
        assert {chunk.synthesis_id for chunk in chunks} == {begin.synthesis_id} == {complete.synthesis_id}
        assert turn.synthesis is not None and turn.synthesis.synthesis_id == begin.synthesis_id


def test_completion_audio_duration_matches_what_the_output_sink_received(run: Run) -> None:
    for conversation in run.conversations:
        events = conversation.events
        complete = one(events, TTSSynthesisCompleteEvent)
        chunks = of_type(events, TTSAudioEvent)
        assert conversation.output_rate == 22050
        assert conversation.output == b"".join(chunk.audio_data or b"" for chunk in chunks)
        assert complete.total_audio_bytes == len(conversation.output)
        sink_ms = len(conversation.output) / 2 / 22050 * 1000.0
        assert complete.audio_duration_ms == pytest.approx(sink_ms, abs=1e-6)
        assert sink_ms > 500, "a sentence was spoken"
        turn = conversation.turns[0]
        assert turn.synthesis is not None and turn.synthesis.audio.to_bytes() == conversation.output
        assert [chunk.chunk_index for chunk in chunks] == list(range(len(chunks)))
        assert [chunk.is_final_chunk for chunk in chunks] == [False] * (len(chunks) - 1) + [True]


# ------------------------------------------------------------------------------------- several turns


@pytest.mark.asyncio
async def test_two_utterances_in_one_conversation_are_two_turns_in_one_session(tmp_path: Path) -> None:
    registry = EventRegistry()
    replies = ScriptedReplies()
    vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    sink = MemorySink()
    pipeline = VoicePipeline(vad, stt, EspeakTTS(registry=registry), replies, output=sink, pace_output=False)
    said = ["hello world", "play some music"]
    both = np.concatenate([PcmData.from_wav(PROMPTS[phrase]).samples for phrase in said])
    path = tmp_path / "two.wav"
    path.write_bytes(PcmData(both, RATE).to_wav_bytes())
    announced: list[str] = []
    pipeline.on_turn.append(lambda session, turn: announced.append(session))

    result = await pipeline.run_conversation(WavFileSource(path, realtime=False))
    await pipeline.close()

    assert [turn.heard for turn in result.turns] == said
    assert [turn.reply for turn in result.turns] == [DEMO_REPLIES[phrase] for phrase in said]
    assert announced == [result.session_id] * 2
    events = registry.get_session_events(result.session_id)
    core = [e.event_type for e in events if e.event_type not in PARTIAL_TYPES]
    assert core.count(EventType.VAD_SPEECH_START) == core.count(EventType.STT_TRANSCRIPT) == 2
    first_done = core.index(EventType.TTS_SYNTHESIS_COMPLETE)
    assert core.index(EventType.VAD_SPEECH_START, 1) > first_done, "the second turn starts after the first"
    produced = sum(turn.synthesis.complete.total_audio_bytes for turn in result.turns if turn.synthesis)
    assert len(sink.to_bytes()) == produced


@pytest.mark.asyncio
async def test_speech_cut_off_by_the_end_of_the_source_is_still_answered(tmp_path: Path) -> None:
    registry = EventRegistry()
    replies = ScriptedReplies()
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    sink = MemorySink()
    tts = EspeakTTS(registry=registry)
    pipeline = VoicePipeline(make_vad("webrtc", registry), stt, tts, replies, output=sink, pace_output=False)
    _, utterance = await speak("goodbye")
    path = tmp_path / "cut.wav"
    path.write_bytes(PcmData(utterance.samples[: -round(TRAIL_S * RATE)], RATE).to_wav_bytes())  # no tail

    result = await pipeline.run_conversation(WavFileSource(path, realtime=False))
    events = registry.get_session_events(result.session_id)
    await pipeline.close()

    assert [turn.heard for turn in result.turns] == ["goodbye"]
    core = [e.event_type for e in events if e.event_type not in PARTIAL_TYPES]
    assert core[:4] == [
        EventType.VAD_SPEECH_START,
        EventType.VAD_AUDIO,
        EventType.VAD_SPEECH_END,
        EventType.STT_TRANSCRIPT,
    ]
    assert core[-1] is EventType.TTS_SYNTHESIS_COMPLETE
    assert sink.to_bytes() == b"".join(chunk.audio_data or b"" for chunk in of_type(events, TTSAudioEvent))
