"""Tests of the STS base class (plugins_core.sts): every helper builds a valid event (upstream's
raised TypeError), connection state, response ids, close, unheard errors and legacy events."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any

import numpy as np
import pytest

from plugins_core import (
    STS,
    AudioFormat,
    BaseEvent,
    EventRegistry,
    EventType,
    PluginClosedEvent,
    PluginInitializedEvent,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSErrorEvent,
    STSResponseEvent,
    STSTranscriptEvent,
)

USER = {"user_id": "dave"}
NAMES = [
    "connected",
    "disconnected",
    "audio_input",
    "audio_output",
    "transcript",
    "response",
    "conversation_item",
    "error",
]


class DummySTS(STS):
    """A provider that reports its connection like a realtime SDK would."""

    async def connect(self) -> None:
        await asyncio.sleep(0)
        self._emit_connected_event({"model": self.model}, ["audio", "text"])

    async def disconnect(self) -> None:
        await asyncio.sleep(0)
        self._emit_disconnected_event("user hung up", True)


@pytest.fixture
def registry() -> EventRegistry:
    return EventRegistry()


def _record(sts: STS, names: list[str] = NAMES) -> list[tuple[str, BaseEvent]]:
    got: list[tuple[str, BaseEvent]] = []
    for name in names:
        sts.on(name, lambda event, name=name: got.append((name, event)))
    return got


# ------------------------------------------------------------------------------------ helpers


def test_constructor_keeps_the_session_settings(registry: EventRegistry) -> None:
    sts = STS(
        provider_name="realtime",
        model="gpt-rt",
        instructions="be brief",
        temperature=0.6,
        voice="alloy",
        provider_config={"region": "eu"},
        response_modalities=["audio"],
        tools=[{"name": "lookup"}],
        registry=registry,
    )
    assert (sts.model, sts.instructions, sts.temperature, sts.voice) == ("gpt-rt", "be brief", 0.6, "alloy")
    assert sts.provider_config == {"region": "eu"}
    assert sts.response_modalities == ["audio"]
    assert sts.tools == [{"name": "lookup"}]
    assert sts.is_connected is False
    init: list[PluginInitializedEvent] = []
    sts.on("initialized", init.append)
    assert init[0].plugin_type == "STS"
    assert init[0].configuration == {"model": "gpt-rt", "voice": "alloy", "response_modalities": ["audio"]}


def test_connected_and_disconnected_toggle_is_connected(registry: EventRegistry) -> None:
    sts = STS(provider_name="rt", registry=registry)
    got = _record(sts)
    connected = sts._emit_connected_event({"voice": "alloy"}, ["audio"])
    assert sts.is_connected is True
    assert isinstance(connected, STSConnectedEvent)
    assert connected.provider == "rt"
    assert connected.session_config == {"voice": "alloy"}
    assert connected.capabilities == ["audio"]
    disconnected = sts._emit_disconnected_event("network", was_clean=False)
    assert sts.is_connected is False
    assert isinstance(disconnected, STSDisconnectedEvent)
    assert (disconnected.provider, disconnected.reason, disconnected.was_clean) == ("rt", "network", False)
    assert got == [("connected", connected), ("disconnected", disconnected)]
    assert registry.events[1:] == [connected, disconnected]


def test_audio_input_event_from_bytes_and_arrays(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    raw = np.arange(160, dtype=np.int16)
    from_bytes = sts._emit_audio_input_event(raw.tobytes(), 16000, USER)
    from_array = sts._emit_audio_input_event(raw, 24000)
    from_float = sts._emit_audio_input_event(np.zeros(80, np.float32), 8000)
    for event in (from_bytes, from_array, from_float):
        assert isinstance(event, STSAudioInputEvent)
        assert isinstance(event.audio_data, bytes)
    assert from_bytes.audio_data == raw.tobytes()
    assert from_bytes.user_metadata == USER
    assert from_array.audio_data == raw.tobytes()
    assert from_array.sample_rate == 24000
    assert from_array.audio_duration_ms == pytest.approx(160 / 24000 * 1000)
    assert from_float.audio_format is AudioFormat.PCM_F32
    assert [n for n, _ in got] == ["audio_input"] * 3


def test_audio_output_event(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    event = sts._emit_audio_output_event(b"\x01\x00" * 240, 24000, "resp-9", USER)
    assert isinstance(event, STSAudioOutputEvent)
    assert (event.sample_rate, event.response_id, event.user_metadata) == (24000, "resp-9", USER)
    assert event.audio_duration_ms == pytest.approx(10.0)
    stereo = sts._emit_audio_output_event(np.zeros((48, 2), np.int16), 48000)
    assert stereo.channels == 2
    assert [e for _, e in got] == [event, stereo]


def test_transcript_event(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    user_said = sts._emit_transcript_event("what's the weather", True, 0.92, "item-1", USER)
    agent_said = sts._emit_transcript_event("sunny", is_user=False)
    assert isinstance(user_said, STSTranscriptEvent)
    assert (user_said.text, user_said.is_user, user_said.confidence) == ("what's the weather", True, 0.92)
    assert user_said.conversation_item_id == "item-1"
    assert user_said.user_metadata == USER
    assert agent_said.is_user is False
    assert agent_said.confidence is None
    assert [e for _, e in got] == [user_said, agent_said]


def test_response_event_without_id_keeps_an_auto_uuid(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    first = sts._emit_response_event("Hi!")
    second = sts._emit_response_event("Hello again", None, False)
    given = sts._emit_response_event("Bye", response_id="resp-42", conversation_item_id="item-3")
    assert isinstance(first, STSResponseEvent)
    uuid.UUID(first.response_id)
    uuid.UUID(second.response_id)
    assert first.response_id != second.response_id
    assert second.is_complete is False
    assert given.response_id == "resp-42"
    assert given.conversation_item_id == "item-3"
    assert [e for _, e in got] == [first, second, given]


def test_conversation_item_event(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    event = sts._emit_conversation_item_event(
        "item-7", "function_call", "in_progress", "assistant", [{"type": "text", "text": "x"}], USER
    )
    assert isinstance(event, STSConversationItemEvent)
    assert (event.item_id, event.item_type, event.status, event.role) == (
        "item-7",
        "function_call",
        "in_progress",
        "assistant",
    )
    assert event.content == [{"type": "text", "text": "x"}]
    assert event.user_metadata == USER
    assert got == [("conversation_item", event)]


def test_error_event(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts)
    failure = ConnectionResetError("ws reset")
    failure.error_code = "1006"  # type: ignore[attr-defined]
    event = sts._emit_error_event(failure, "websocket", USER)
    assert isinstance(event, STSErrorEvent)
    assert event.error is failure
    assert (event.context, event.error_code, event.is_recoverable) == ("websocket", "1006", True)
    assert event.error_message == "ws reset"
    assert event.user_metadata == USER
    assert got == [("error", event)]


def test_every_helper_emits_a_registered_event_with_identity(registry: EventRegistry) -> None:
    sts = STS(provider_name="acme-rt", plugin_version="0.9", session_id="s-1", registry=registry)
    got = _record(sts)
    sts._emit_connected_event()
    sts._emit_audio_input_event(b"\x00\x00", user_metadata=USER)
    sts._emit_audio_output_event(b"\x00\x00", user_metadata=USER)
    sts._emit_transcript_event("t", user_metadata=USER)
    sts._emit_response_event("r", user_metadata=USER)
    sts._emit_conversation_item_event("i", "message", "completed", "user", user_metadata=USER)
    sts._emit_error_event(RuntimeError("e"), user_metadata=USER)
    sts._emit_disconnected_event()
    assert sorted({n for n, _ in got}) == sorted(NAMES)
    assert registry.events[1:] == [e for _, e in got]
    expected_types = {
        "connected": EventType.STS_CONNECTED,
        "disconnected": EventType.STS_DISCONNECTED,
        "audio_input": EventType.STS_AUDIO_INPUT,
        "audio_output": EventType.STS_AUDIO_OUTPUT,
        "transcript": EventType.STS_TRANSCRIPT,
        "response": EventType.STS_RESPONSE,
        "conversation_item": EventType.STS_CONVERSATION_ITEM,
        "error": EventType.STS_ERROR,
    }
    for name, event in got:
        assert event.event_type is expected_types[name]
        assert (event.session_id, event.plugin_name, event.plugin_version) == ("s-1", "acme-rt", "0.9")
        if name not in ("connected", "disconnected"):
            assert event.user_metadata == USER


# --------------------------------------------------------------------------------- async flow


@pytest.mark.asyncio
async def test_event_emission_and_state(registry: EventRegistry) -> None:
    # upstream's test_sts_base: async handlers on connected/disconnected, is_connected toggles
    sts = DummySTS(model="m", registry=registry)
    seen: list[str] = []

    @sts.on("connected")
    async def on_connected(event: STSConnectedEvent) -> None:
        seen.append(f"connected:{event.session_config}")

    @sts.on("disconnected")
    async def on_disconnected(event: STSDisconnectedEvent) -> None:
        seen.append(f"disconnected:{event.reason}")

    assert not sts.is_connected
    await sts.connect()
    assert sts.is_connected
    await asyncio.sleep(0)
    await sts.wait_for_handlers(timeout=2)
    assert seen == ["connected:{'model': 'm'}"]
    await sts.disconnect()
    assert not sts.is_connected
    await sts.wait_for_handlers(timeout=2)
    assert seen == ["connected:{'model': 'm'}", "disconnected:user hung up"]


@pytest.mark.asyncio
async def test_helpers_called_from_an_sdk_thread_are_delivered_on_the_loop(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got: list[tuple[str, int]] = []
    sts.on("audio_output", lambda e: got.append(("audio_output", threading.get_ident())))
    sts.on("response", lambda e: got.append(("response", threading.get_ident())))

    def sdk() -> None:
        sts._emit_audio_output_event(b"\x00\x00" * 10, 24000)
        sts._emit_response_event("done")

    thread = threading.Thread(target=sdk)
    thread.start()
    await asyncio.to_thread(thread.join)
    for _ in range(100):
        if len(got) == 2:
            break
        await asyncio.sleep(0.001)
    assert got == [("audio_output", threading.get_ident()), ("response", threading.get_ident())]


# -------------------------------------------------------------------------------------- close


@pytest.mark.asyncio
async def test_close_when_connected_emits_disconnected_then_closed(registry: EventRegistry) -> None:
    sts = STS(provider_name="rt", registry=registry)
    got = _record(sts, ["disconnected", "closed"])
    sts._emit_connected_event()
    await sts.close()
    await sts.close()
    assert [n for n, _ in got] == ["disconnected", "closed"]
    disconnected: STSDisconnectedEvent = got[0][1]  # type: ignore[assignment]
    assert (disconnected.reason, disconnected.was_clean) == ("service_closed", True)
    closed: PluginClosedEvent = got[1][1]  # type: ignore[assignment]
    assert (closed.plugin_type, closed.provider) == ("STS", "rt")
    assert not sts.is_connected
    assert sts.is_closed
    assert [e.event_type for e in registry.events] == [
        EventType.PLUGIN_INITIALIZED,
        EventType.STS_CONNECTED,
        EventType.STS_DISCONNECTED,
        EventType.PLUGIN_CLOSED,
    ]


@pytest.mark.asyncio
async def test_close_when_not_connected_emits_only_closed(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    got = _record(sts, ["disconnected", "closed"])
    await sts.close()
    assert [n for n, _ in got] == ["closed"]


# ------------------------------------------------------------------------------ unheard errors


def test_error_without_listener_is_logged_and_registered(
    registry: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    sts = STS(registry=registry)
    failure = RuntimeError("session expired")
    with caplog.at_level(logging.ERROR):
        event = sts._emit_error_event(failure, "session")  # upstream raised PyeeError here
    assert registry.events[-1] is event
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    assert "session" in records[0].getMessage()
    assert records[0].exc_info is not None and records[0].exc_info[1] is failure


# ------------------------------------------------------------------------------------- legacy


def test_legacy_events(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    legacy: list[tuple[str, tuple[Any, ...]]] = []
    for name in ("connected_legacy", "disconnected_legacy", "error_legacy"):
        sts.on(name, lambda *args, name=name: legacy.append((name, args)))
    failure = RuntimeError("x")
    sts._emit_connected_event()
    sts._emit_error_event(failure)
    sts._emit_disconnected_event()
    assert legacy == [("connected_legacy", ()), ("error_legacy", (failure,)), ("disconnected_legacy", ())]


@pytest.mark.asyncio
async def test_async_connected_legacy_handler_with_no_args(registry: EventRegistry) -> None:
    sts = STS(registry=registry)
    calls: list[str] = []

    @sts.on("connected_legacy")
    async def on_connected() -> None:
        calls.append("connected")

    sts._emit_connected_event()
    await sts.wait_for_handlers(timeout=2)
    assert calls == ["connected"]
