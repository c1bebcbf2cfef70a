"""ConversationSTS: the built-in VAD, PocketSphinx, scripted replies and eSpeak NG, reported as STS
events. Real engines, a shipped prompt as the user, every event checked against the plugin events
it reports."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from plugins_core import EventRegistry
from plugins_core.builtin import (
    DEMO_REPLIES,
    MISS_PHRASES,
    PROMPTS_DIR,
    ConversationResult,
    ConversationSTS,
    EspeakTTS,
    MemorySink,
    PocketSphinxSTT,
    ScriptedCaller,
    ScriptedReplies,
    SyntheticSource,
    VoicePipeline,
    WavFileSource,
    WebRTCVAD,
    prompt_files,
)
from plugins_core.events import (
    BaseEvent,
    EventType,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSResponseEvent,
    STSTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
)
from plugins_core.serialization import event_from_json, event_to_json
from plugins_core.session_summary import SessionAccumulator
from plugins_core.turns import TurnAnalysis, analyze_turns

PROMPTS: dict[str, Path] = {path.stem.replace("_", " "): path for path in prompt_files()}
STS_TYPES = {t for t in EventType if t.value.startswith("sts_")}

E = TypeVar("E", bound=BaseEvent)


def of_type(events: Sequence[BaseEvent], cls: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, cls)]


def one(events: Sequence[BaseEvent], cls: type[E]) -> E:
    found = of_type(events, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {len(found)}"
    return found[0]


@dataclass
class Setup:
    registry: EventRegistry
    sts: ConversationSTS
    sink: MemorySink


async def make_sts() -> Setup:
    registry = EventRegistry()
    replies = ScriptedReplies()
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    await stt.warm_up()
    vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
    sink = MemorySink()
    pipeline = VoicePipeline(vad, stt, EspeakTTS(registry=registry), replies, output=sink)
    return Setup(registry, ConversationSTS(pipeline, registry=registry), sink)


async def converse(setup: Setup, phrase: str) -> tuple[ConversationResult, list[BaseEvent]]:
    result = await setup.sts.converse(WavFileSource(PROMPTS[phrase], realtime=False))
    return result, setup.registry.get_session_events(result.session_id)


@pytest.mark.asyncio
async def test_a_conversation_is_reported_as_valid_sts_events_with_the_session_id() -> None:
    setup = await make_sts()
    result, events = await converse(setup, "play some music")
    await setup.sts.close()
    reply = DEMO_REPLIES["play some music"]
    assert [turn.heard for turn in result.turns] == ["play some music"]
    assert setup.sts.session_id == result.session_id

    sts_events = [e for e in events if e.event_type in STS_TYPES]
    for event in sts_events:
        assert event.session_id == result.session_id
        assert (event.plugin_name, event.plugin_version) == ("conversation-sts", None)
        # valid: every event round-trips through the strict, lossless JSON form unchanged
        assert event_from_json(event_to_json(event)) == event
    assert sts_events[0].event_type is EventType.STS_CONNECTED
    assert sts_events[-1].event_type is EventType.STS_DISCONNECTED
    assert events[-1] is sts_events[-1], "disconnected is the conversation's last event"

    connected = one(events, STSConnectedEvent)
    assert connected.provider == "conversation-sts"
    assert connected.session_config == {"session_id": result.session_id, "sample_rate": 16000}
    assert connected.capabilities == ["audio_input", "audio_output", "transcripts"]
    disconnected = one(events, STSDisconnectedEvent)
    assert disconnected.was_clean and disconnected.reason == "conversation ended"
    assert setup.sts.model == "pocketsphinx+espeak-ng" and setup.sts.voice == "en-us"

    # audio_input: the user's segment, as the VAD cut it
    audio_in = one(events, STSAudioInputEvent)
    segment = one(events, VADAudioEvent)
    assert audio_in.audio_data == segment.audio_data and audio_in.audio_data
    assert audio_in.sample_rate == 16000
    assert events.index(audio_in) == events.index(segment) + 1

    # transcript: the user's words with the recognizer's confidence
    transcript = one(events, STSTranscriptEvent)
    heard = one(events, STTTranscriptEvent)
    assert (transcript.text, transcript.is_user) == ("play some music", True)
    assert transcript.confidence == heard.confidence
    assert transcript.confidence is not None and 0.0 <= transcript.confidence <= 1.0
    assert transcript.conversation_item_id == heard.event_id

    # conversation items: the user's message, then the assistant's
    user_item, assistant_item = of_type(events, STSConversationItemEvent)
    assert (user_item.role, user_item.item_type, user_item.status) == ("user", "message", "completed")
    assert user_item.item_id == heard.event_id
    assert user_item.content == [{"type": "input_audio", "transcript": "play some music"}]
    synthesis = one(events, TTSSynthesisStartEvent)
    assert (assistant_item.role, assistant_item.status) == ("assistant", "completed")
    assert assistant_item.item_id == synthesis.synthesis_id
    assert assistant_item.content == [{"type": "text", "text": reply}]

    # response: the reply's text, identified by the synthesis that speaks it
    response = one(events, STSResponseEvent)
    assert response.text == reply == synthesis.text
    assert response.response_id == synthesis.synthesis_id == response.conversation_item_id
    assert response.is_complete

    # audio_output: one per TTS chunk, the same bytes in the same order
    chunks = of_type(events, TTSAudioEvent)
    audio_out = of_type(events, STSAudioOutputEvent)
    assert len(audio_out) == len(chunks) >= 2
    assert [o.audio_data for o in audio_out] == [c.audio_data for c in chunks]
    assert {o.sample_rate for o in audio_out} == {22050}
    assert {o.response_id for o in audio_out} == {synthesis.synthesis_id}
    assert b"".join(o.audio_data or b"" for o in audio_out) == setup.sink.to_bytes()

    # the STS story in order: connect, hear, understand, answer, speak, disconnect
    order = [e.event_type for e in sts_events if e.event_type is not EventType.STS_AUDIO_OUTPUT]
    assert order == [
        EventType.STS_CONNECTED,
        EventType.STS_AUDIO_INPUT,
        EventType.STS_TRANSCRIPT,
        EventType.STS_CONVERSATION_ITEM,
        EventType.STS_RESPONSE,
        EventType.STS_CONVERSATION_ITEM,
        EventType.STS_DISCONNECTED,
    ]
    assert events.index(audio_out[0]) > events.index(response)
    times = [e.timestamp for e in events]
    assert times == sorted(times)


@pytest.mark.asyncio
async def test_each_conversation_connects_and_disconnects_in_its_own_session() -> None:
    setup = await make_sts()
    said = ["hello world", "goodbye"]
    sessions = []
    for phrase in said:
        result, events = await converse(setup, phrase)
        sessions.append(result.session_id)
        assert not setup.sts.is_connected
        assert len(of_type(events, STSConnectedEvent)) == len(of_type(events, STSDisconnectedEvent)) == 1
        assert one(events, STSTranscriptEvent).text == phrase
        assert one(events, STSResponseEvent).text == DEMO_REPLIES[phrase]
        assert all(e.session_id == result.session_id for e in events)
    await setup.sts.close()
    assert len(set(sessions)) == len(said)
    stats = setup.registry.get_statistics()
    assert stats["error_summary"]["total_errors"] == 0
    assert (
        stats["event_distribution"]["sts_connected"] == stats["event_distribution"]["sts_disconnected"] == 2
    )


@pytest.mark.asyncio
async def test_a_conversation_with_nothing_said_connects_and_disconnects_only() -> None:
    setup = await make_sts()
    result = await setup.sts.converse(SyntheticSource("silence", duration_s=1.0, realtime=False))
    events = setup.registry.get_session_events(result.session_id)
    await setup.sts.close()
    assert result.turns == []
    assert [e.event_type for e in events] == [EventType.STS_CONNECTED, EventType.STS_DISCONNECTED]


@pytest.mark.asyncio
async def test_without_an_output_audio_output_is_reported_as_each_chunk_is_synthesized() -> None:
    registry = EventRegistry()
    replies = ScriptedReplies()
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
    pipeline = VoicePipeline(vad, stt, EspeakTTS(registry=registry), replies)
    assert pipeline.playback is None
    sts = ConversationSTS(pipeline, registry=registry)
    result = await sts.converse(WavFileSource(PROMPTS["goodbye"], realtime=False))
    await sts.close()
    events = registry.get_session_events(result.session_id)
    chunks = of_type(events, TTSAudioEvent)
    played = of_type(events, STSAudioOutputEvent)
    assert [o.audio_data for o in played] == [c.audio_data for c in chunks] and chunks
    assert all(events.index(o) == events.index(c) + 1 for o, c in zip(played, chunks, strict=True))


# ------------------------------------------------------------------- a call of several turns, in real time


@dataclass
class Call:
    events: list[BaseEvent]
    turns: list[TurnAnalysis]
    sink: MemorySink
    unanswered: int


CALL = ["hello world", MISS_PHRASES[0], "goodbye"]


async def hold_call() -> Call:
    setup = await make_sts()  # the pipeline plays its replies at real time into the memory sink
    playback = setup.sts.pipeline.playback
    assert playback is not None and playback.realtime
    paths = [PROMPTS.get(phrase, PROMPTS_DIR / f"{'_'.join(phrase.split())}.wav") for phrase in CALL]
    caller = ScriptedCaller(paths, playback, pauses_ms=[500, 400, 300])
    result = await setup.sts.converse(caller)
    await setup.sts.close()
    events = setup.registry.get_session_events(result.session_id)
    return Call(events, analyze_turns(events), setup.sink, caller.unanswered)


@pytest.fixture(scope="module")
def call() -> Call:
    """One call of three turns (the middle one outside the grammar), with the caller waiting for each
    reply to be played at real time: about 15 s."""
    return asyncio.run(hold_call())


def test_a_call_is_three_turns_the_middle_one_a_reported_miss(call: Call) -> None:
    turns = call.turns
    assert call.unanswered == 0
    assert [t.status for t in turns] == ["ok", "failed", "ok"]
    assert [t.transcript.text for t in turns] == ["hello world", None, "goodbye"]
    assert [t.agent.text for t in turns] == [
        DEMO_REPLIES["hello world"],
        "Sorry, I did not catch that.",
        DEMO_REPLIES["goodbye"],
    ]
    miss = turns[1].error
    assert miss is not None and miss.code == "no_match" and "best guess" in miss.message
    segment = next(e for e in call.events if e.event_id == miss.audio_event_id)
    assert isinstance(segment, VADAudioEvent) and segment.audio_data, (
        "the error links to the audio it failed on"
    )
    summary = SessionAccumulator(call.events[0].session_id or "")
    for event in call.events:
        summary.observe(event)
    row = summary.summary()
    assert (row.turns, row.failed_turns, row.errors, row.outcome) == (3, 1, 1, "errors")
    assert row.ended and row.first_user_text == "hello world" and row.turn_latency_ms is not None


def test_audio_output_is_reported_as_each_chunk_plays_after_synthesis_ran_ahead(call: Call) -> None:
    events = call.events
    for turn in call.turns:
        sid = turn.agent.synthesis_id
        chunks = [e for e in events if isinstance(e, TTSAudioEvent) and e.synthesis_id == sid]
        played = [e for e in events if isinstance(e, STSAudioOutputEvent) and e.response_id == sid]
        assert [o.audio_data for o in played] == [c.audio_data for c in chunks] and len(chunks) >= 10
        # each chunk is reported played after the TTS reported making it
        assert all(events.index(o) > events.index(c) for o, c in zip(played, chunks, strict=True))
        # eSpeak NG finished the reply while it was still playing: synthesis is not held to real time
        complete = next(
            e for e in events if isinstance(e, TTSSynthesisCompleteEvent) and e.synthesis_id == sid
        )
        assert events.index(complete) < events.index(played[-1])
        # paced on an absolute schedule: no chunk starts before all those before it have played out
        # (a late wake-up delays one report, never the schedule, so this is checked from the first chunk)
        before_ms = 0.0
        for out in played:
            elapsed_ms = (out.timestamp - played[0].timestamp) / timedelta(milliseconds=1)
            assert elapsed_ms >= before_ms - 1.0
            before_ms += out.audio_duration_ms or 0.0
        # the agent speaking span: from the first chunk played to the end of the last one
        speaking = turn.agent.speaking
        assert speaking is not None and turn.agent.playback_reported
        assert speaking.start == played[0].timestamp
        assert complete.audio_duration_ms is not None
        assert speaking.duration_ms >= complete.audio_duration_ms - 2.0
    assert call.sink.to_bytes() == b"".join(
        e.audio_data or b"" for e in events if isinstance(e, STSAudioOutputEvent)
    )


def test_the_caller_speaks_only_once_the_agent_has_finished_and_each_waterfall_adds_up(call: Call) -> None:
    turns = call.turns
    for before, after in zip(turns, turns[1:], strict=False):
        assert before.agent.speaking is not None and after.user.span is not None
        assert after.user.span.start > before.agent.speaking.end, "no one talks over the agent"
    for turn in turns:
        latency = turn.latency
        assert latency is not None and latency.notes == () and turn.notes == ()
        assert sum(part.us for part in latency.parts) == latency.total_us
        assert all(part.us >= 0 for part in latency.parts) and latency.part("unattributed").us == 0
        assert turn.user.span is not None and turn.user.decided_at is not None
        # the VAD decides after the speech truly ended (its hang-over), and the agent answers after that
        assert turn.user.span.end < turn.user.decided_at < latency.end
        assert latency.part("endpointing").us > 0
        assert latency.end == turn.agent.first_audio_out_at
        out = next(e for e in call.events if e.event_id == turn.agent.first_audio_out_event_id)
        assert isinstance(out, STSAudioOutputEvent) and out.timestamp == latency.end
