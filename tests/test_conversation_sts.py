"""ConversationSTS: the built-in VAD, PocketSphinx, scripted replies and eSpeak NG, reported as STS
events. Real engines, a shipped prompt as the user, every event checked against the plugin events
it reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from plugins_core import EventRegistry
from plugins_core.builtin import (
    DEMO_REPLIES,
    ConversationResult,
    ConversationSTS,
    EspeakTTS,
    MemorySink,
    PocketSphinxSTT,
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
    TTSSynthesisStartEvent,
    VADAudioEvent,
)
from plugins_core.serialization import event_from_json, event_to_json

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
