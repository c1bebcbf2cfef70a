"""What the four plugin kinds share (plugins_core.plugin.Plugin): handler registration in both forms,
sync and async handlers, remove_listener, the sticky ``initialized`` event, identity on every event,
registration in the given or the global registry, unheard errors, and ``close()``."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from plugins_core import (
    STS,
    STT,
    TTS,
    VAD,
    BaseEvent,
    EventRegistry,
    EventType,
    PcmData,
    Plugin,
    PluginClosedEvent,
    PluginInitializedEvent,
    TranscriptResult,
    get_global_registry,
    set_global_registry,
)

USER = {"user_id": "u-1", "room": "r-9"}

# ----------------------------------------------------------------------------- test plugins


class EchoSTT(STT):
    """Synchronous STT: a partial then a final result for every chunk; raises when ``fail`` is set."""

    fail = False

    async def _process_audio_impl(
        self, pcm_data: PcmData, user_metadata: dict[str, Any] | None = None
    ) -> list[TranscriptResult] | None:
        if self.fail:
            raise RuntimeError("stt engine failed")
        return [(False, "hel", {"confidence": 0.5}), (True, "hello", {"confidence": 0.9})]


class ChunkTTS(TTS):
    """Two chunks of 10 ms; raises when ``fail`` is set."""

    fail = False

    async def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        if self.fail:
            raise RuntimeError("tts engine failed")
        for _ in range(2):
            yield np.full(160, 1000, np.int16).tobytes()


class LevelVAD(VAD):
    """Speech when the frame is loud; raises once when ``fail_next`` is set."""

    fail_next = False

    async def is_speech(self, frame: PcmData) -> float:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("vad model failed")
        return 1.0 if int(np.abs(frame.samples).max()) > 1000 else 0.0


def _vad_audio() -> np.ndarray[Any, Any]:
    """8 kHz, 10 ms frames: 2 silent, 6 loud, 4 silent."""
    levels = [0] * 2 + [8000] * 6 + [0] * 4
    return np.concatenate([np.full(80, level, np.int16) for level in levels])


@dataclass
class Kind:
    make: Callable[..., Plugin]
    names: list[str]
    trigger: Callable[[Any], Awaitable[None]]
    fail: Callable[[Any], Awaitable[None]]
    plugin_type: str


async def _stt_trigger(stt: EchoSTT) -> None:
    await stt.process_audio(PcmData(np.full(1600, 100, np.int16), 16000), USER)
    stt.fail = True
    await stt.process_audio(PcmData(np.full(1600, 100, np.int16), 16000), USER)
    stt.fail = False


async def _stt_fail(stt: EchoSTT) -> None:
    stt.fail = True
    await stt.process_audio(PcmData(np.full(160, 1, np.int16), 16000), USER)


async def _tts_trigger(tts: ChunkTTS) -> None:
    await tts.send("hello", USER)
    await _tts_fail(tts)


async def _tts_fail(tts: ChunkTTS) -> None:
    tts.fail = True
    with pytest.raises(RuntimeError, match="tts engine failed"):
        await tts.send("boom", USER)
    tts.fail = False


async def _vad_trigger(vad: LevelVAD) -> None:
    await vad.process_audio(_vad_audio(), USER)
    await _vad_fail(vad)


async def _vad_fail(vad: LevelVAD) -> None:
    vad.fail_next = True
    await vad.process_audio(np.zeros(80, np.int16), USER)


async def _sts_trigger(sts: STS) -> None:
    sts._emit_connected_event({"voice": "alloy"}, ["audio"])
    sts._emit_audio_input_event(np.zeros(160, np.int16), 16000, USER)
    sts._emit_audio_output_event(b"\x00\x01" * 80, 24000, "resp-1", USER)
    sts._emit_transcript_event("hi there", True, 0.9, "item-1", USER)
    sts._emit_response_event("hello!", None, True, "item-2", USER)
    sts._emit_conversation_item_event("item-2", "message", "completed", "assistant", [{"t": 1}], USER)
    await _sts_fail(sts)
    sts._emit_disconnected_event("bye", True)


async def _sts_fail(sts: STS) -> None:
    sts._emit_error_event(RuntimeError("sts service failed"), "websocket", USER)


KINDS: dict[str, Kind] = {
    "STT": Kind(
        lambda **kw: EchoSTT(**kw),
        ["initialized", "transcript", "partial_transcript", "error", "closed"],
        _stt_trigger,
        _stt_fail,
        "STT",
    ),
    "TTS": Kind(
        lambda **kw: ChunkTTS(**kw),
        ["initialized", "synthesis_start", "audio", "synthesis_complete", "error", "closed"],
        _tts_trigger,
        _tts_fail,
        "TTS",
    ),
    "VAD": Kind(
        lambda **kw: LevelVAD(
            sample_rate=8000,
            frame_size=80,
            speech_pad_ms=30,
            min_speech_ms=50,
            partial_frames=2,
            **kw,
        ),
        ["initialized", "speech_start", "partial", "audio", "speech_end", "error", "closed"],
        _vad_trigger,
        _vad_fail,
        "VAD",
    ),
    "STS": Kind(
        lambda **kw: STS(**kw),
        [
            "initialized",
            "connected",
            "disconnected",
            "audio_input",
            "audio_output",
            "transcript",
            "response",
            "conversation_item",
            "error",
            "closed",
        ],
        _sts_trigger,
        _sts_fail,
        "STS",
    ),
}

KIND_IDS = list(KINDS)
# events that describe the plugin or its connection, not a user's audio: no user metadata
LIFECYCLE = {"initialized", "closed", "connected", "disconnected"}


@pytest.fixture
def registry() -> EventRegistry:
    return EventRegistry()


@pytest.fixture
def global_registry() -> Iterator[EventRegistry]:
    """A fresh global registry for one test; the previous one is put back afterwards."""
    fresh = EventRegistry()
    previous = set_global_registry(fresh)
    try:
        yield fresh
    finally:
        set_global_registry(previous)


# ------------------------------------------------------------------------------ handlers


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_on_works_as_decorator_and_as_call(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    by_decorator: list[BaseEvent] = []
    by_call: list[BaseEvent] = []

    @plugin.on("error")
    def decorated(event: BaseEvent) -> None:
        by_decorator.append(event)

    assert plugin.on("error", by_call.append) == by_call.append
    assert callable(decorated)
    await spec.fail(plugin)
    assert len(by_decorator) == 1
    assert by_call == by_decorator
    assert by_decorator[0].event_type.value == f"{kind.lower()}_error"


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_sync_and_async_handlers_receive_the_event_object(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    sync_got: list[BaseEvent] = []
    async_got: list[BaseEvent] = []

    @plugin.on("error")
    def on_sync(event: BaseEvent) -> None:
        sync_got.append(event)

    @plugin.on("error")
    async def on_async(event: BaseEvent) -> None:
        await asyncio.sleep(0)
        async_got.append(event)

    await spec.fail(plugin)
    await plugin.wait_for_handlers(timeout=2)
    assert len(sync_got) == 1
    assert async_got == sync_got
    assert isinstance(sync_got[0], BaseEvent)
    assert isinstance(getattr(sync_got[0], "error", None), RuntimeError)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_remove_listener(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    got: list[BaseEvent] = []
    plugin.on("error", got.append)
    await spec.fail(plugin)
    assert len(got) == 1
    assert plugin.remove_listener("error", got.append) is True
    assert plugin.remove_listener("error", got.append) is False
    await spec.fail(plugin)
    assert len(got) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_upstream_event_name_is_emitted(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    seen: dict[str, list[BaseEvent]] = {name: [] for name in spec.names}
    for name in spec.names:
        plugin.on(name, seen[name].append)
    await spec.trigger(plugin)
    await plugin.close()
    missing = [name for name, events in seen.items() if not events]
    assert missing == []
    assert isinstance(seen["initialized"][0], PluginInitializedEvent)
    assert isinstance(seen["closed"][0], PluginClosedEvent)
    prefix = kind.lower() + "_"
    for name, events in seen.items():
        for event in events:
            if name in ("initialized", "closed"):
                continue
            assert event.event_type.value.startswith(prefix), (name, event.event_type)


# --------------------------------------------------------------------------------- sticky


@pytest.mark.parametrize("kind", KIND_IDS)
def test_initialized_is_sticky_for_a_handler_added_after_construction(
    kind: str, registry: EventRegistry
) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry, provider_name="prov")
    got: list[BaseEvent] = []
    plugin.on("initialized", got.append)
    assert len(got) == 1
    event = got[0]
    assert isinstance(event, PluginInitializedEvent)
    assert event.event_type is EventType.PLUGIN_INITIALIZED
    assert event.plugin_type == spec.plugin_type
    assert event.provider == "prov"
    assert event.plugin_name == "prov"
    assert event.session_id == plugin.session_id
    assert registry.events == [event]  # registered once, at construction
    second: list[BaseEvent] = []
    plugin.on("initialized", second.append)
    assert second == [event]
    assert got == [event]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_initialized_is_sticky_for_a_late_async_handler(kind: str, registry: EventRegistry) -> None:
    plugin = KINDS[kind].make(registry=registry)
    await asyncio.sleep(0.01)
    got: list[BaseEvent] = []

    @plugin.on("initialized")
    async def on_initialized(event: BaseEvent) -> None:
        got.append(event)

    await plugin.wait_for_handlers(timeout=2)
    assert len(got) == 1
    assert isinstance(got[0], PluginInitializedEvent)


def test_initialized_carries_the_configuration(registry: EventRegistry) -> None:
    configs: dict[str, dict[str, Any] | None] = {}
    for kind, spec in KINDS.items():
        got: list[PluginInitializedEvent] = []
        spec.make(registry=registry).on("initialized", got.append)
        configs[kind] = got[0].configuration
    assert configs["STT"] == {"sample_rate": 16000}
    assert configs["TTS"] is not None and configs["TTS"]["sample_rate"] == 16000
    assert configs["VAD"] is not None and configs["VAD"]["sample_rate"] == 8000
    assert configs["VAD"]["activation_threshold"] == 0.5
    assert configs["STS"] is not None and "model" in configs["STS"]


# ------------------------------------------------------------------------------ identity


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_event_carries_identity_and_is_registered(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry, provider_name="acme", plugin_version="1.2.3", session_id="sess-7")
    collected: list[tuple[str, BaseEvent]] = []
    for name in spec.names:
        plugin.on(name, lambda event, name=name: collected.append((name, event)))
    await spec.trigger(plugin)
    await plugin.close()
    events = [event for _, event in collected]
    assert len(events) >= len(spec.names)
    assert registry.events == events  # each registered exactly once, in emission order
    for name, event in collected:
        assert event.session_id == "sess-7", name
        assert event.plugin_name == "acme", name
        assert event.plugin_version == "1.2.3", name
        if name in LIFECYCLE:
            assert event.user_metadata is None, name
        else:
            assert event.user_metadata == USER, name
    assert registry.get_session_events("sess-7") == events


@pytest.mark.parametrize("kind", KIND_IDS)
def test_identity_defaults(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    first = spec.make(registry=registry)
    second = spec.make(registry=registry)
    assert first.provider_name == type(first).__name__
    assert first.plugin_version is None
    uuid.UUID(first.session_id)
    assert first.session_id != second.session_id
    assert type(first).__name__ in repr(first)
    assert first.session_id in repr(first)
    assert [e.session_id for e in registry.events] == [first.session_id, second.session_id]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_events_go_to_the_global_registry_by_default(kind: str, global_registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make()
    assert plugin.registry is global_registry
    assert get_global_registry() is global_registry
    await spec.trigger(plugin)
    await plugin.close()
    events = global_registry.get_session_events(plugin.session_id)
    assert events[0].event_type is EventType.PLUGIN_INITIALIZED
    assert events[-1].event_type is EventType.PLUGIN_CLOSED
    assert len(events) > 3
    assert len(global_registry) == len(events)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_a_given_registry_is_used_instead_of_the_global_one(
    kind: str, global_registry: EventRegistry, registry: EventRegistry
) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    assert plugin.registry is registry
    await spec.trigger(plugin)
    await plugin.close()
    assert len(global_registry) == 0
    assert len(registry) > 3


def test_global_registry_fixture_restores_the_previous_registry() -> None:
    before = get_global_registry()
    fresh = EventRegistry()
    previous = set_global_registry(fresh)
    try:
        assert previous is before
        assert STS().registry is fresh
    finally:
        set_global_registry(previous)
    assert get_global_registry() is before


# ---------------------------------------------------------------------------- unheard errors


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_error_without_listener_is_logged_and_registered_not_raised(
    kind: str, registry: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    with caplog.at_level(logging.ERROR):
        await spec.fail(plugin)  # TTS re-raises its own exception (checked inside), nothing else raises
    errors = [e for e in registry.events if e.event_type.value == f"{kind.lower()}_error"]
    assert len(errors) == 1
    records = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "plugins_core.plugin"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "no 'error' handler" in message
    assert errors[0].event_id in message
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_error_with_a_listener_is_not_logged_as_unheard(
    kind: str, registry: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry)
    got: list[BaseEvent] = []
    plugin.on("error", got.append)
    with caplog.at_level(logging.ERROR):
        await spec.fail(plugin)
    assert len(got) == 1
    assert not [r for r in caplog.records if r.name == "plugins_core.plugin"]


# --------------------------------------------------------------------------------- close


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_close_is_idempotent_and_emits_one_closed_event(kind: str, registry: EventRegistry) -> None:
    spec = KINDS[kind]
    plugin = spec.make(registry=registry, provider_name="p")
    closed: list[BaseEvent] = []
    plugin.on("closed", closed.append)
    assert not plugin.is_closed
    await plugin.close()
    await plugin.close()
    await plugin.close()
    assert plugin.is_closed
    assert len(closed) == 1
    event = closed[0]
    assert isinstance(event, PluginClosedEvent)
    assert event.plugin_type == spec.plugin_type
    assert event.provider == "p"
    assert event.cleanup_successful is True
    assert event.session_id == plugin.session_id
    assert [e for e in registry.events if isinstance(e, PluginClosedEvent)] == [event]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_async_context_manager_closes(kind: str, registry: EventRegistry) -> None:
    plugin = KINDS[kind].make(registry=registry)
    async with plugin as entered:
        assert entered is plugin
        assert not plugin.is_closed
    assert plugin.is_closed
    assert registry.events[-1].event_type is EventType.PLUGIN_CLOSED


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KIND_IDS)
async def test_async_closed_handler_runs(kind: str, registry: EventRegistry) -> None:
    plugin = KINDS[kind].make(registry=registry)
    got: list[BaseEvent] = []

    @plugin.on("closed")
    async def on_closed(event: BaseEvent) -> None:
        await asyncio.sleep(0)
        got.append(event)

    await plugin.close()
    await plugin.wait_for_handlers(timeout=2)
    assert len(got) == 1
