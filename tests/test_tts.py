"""Tests of the TTS base class (plugins_core.tts): the event sequence of ``send``, timing over the
whole stream, every form ``stream_audio`` may take, errors, outputs, close and legacy events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from plugins_core import (
    TTS,
    AudioFormat,
    AudioFormatError,
    AudioOutput,
    BaseEvent,
    EventRegistry,
    EventType,
    PcmData,
    PluginClosedEvent,
    SynthesisResult,
    TTSAudioEvent,
    TTSErrorEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
)

USER = {"user_id": "bob"}
TTS_NAMES = ["synthesis_start", "audio", "synthesis_complete", "error"]


def _chunk(frames: int, value: int = 1000, channels: int = 1) -> bytes:
    shape: tuple[int, ...] = (frames,) if channels == 1 else (frames, channels)
    return np.full(shape, value, np.int16).tobytes()


class Sink:
    """A minimal AudioOutput: keeps every chunk written to it."""

    def __init__(self) -> None:
        self.chunks: list[PcmData] = []

    async def write(self, pcm: PcmData) -> None:
        self.chunks.append(pcm)


class FailingSink:
    async def write(self, pcm: PcmData) -> None:
        raise OSError("device unplugged")


class SlowGenTTS(TTS):
    """``stream_audio`` is an async generator function: 3 chunks of 100 ms, 50 ms apart."""

    async def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        for index in range(3):
            if index:
                await asyncio.sleep(0.05)
            yield _chunk(1600, value=index + 1)


class FnTTS(TTS):
    """``stream_audio`` returns whatever ``produce(text)`` returns (a coroutine, a list, ...)."""

    def __init__(self, produce: Callable[[str], Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.produce = produce
        self.stopped = 0
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((text, args, kwargs))
        return self.produce(text)

    async def stop_audio(self) -> None:
        self.stopped += 1


class BytesTTS(TTS):
    """``stream_audio`` is a coroutine returning all the audio as bytes."""

    async def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> bytes:
        await asyncio.sleep(0)
        return _chunk(800)


class CoroIterTTS(TTS):
    """``stream_audio`` is a coroutine returning an async iterator (upstream's only working form)."""

    async def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(2):
                yield _chunk(160)

        return chunks()


class SyncIterTTS(TTS):
    """``stream_audio`` is a plain function returning a sync generator."""

    def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        return iter([_chunk(160), _chunk(160), _chunk(160)])


@dataclass
class ProviderChunk:
    """A provider SDK chunk with a ``.data`` payload (e.g. Cartesia)."""

    data: bytes


@pytest.fixture
def registry() -> EventRegistry:
    return EventRegistry()


def _record(tts: TTS, names: list[str] = TTS_NAMES) -> list[tuple[str, BaseEvent]]:
    got: list[tuple[str, BaseEvent]] = []
    for name in names:
        tts.on(name, lambda event, name=name: got.append((name, event)))
    return got


def _of(got: list[tuple[str, BaseEvent]], name: str) -> list[Any]:
    return [event for n, event in got if n == name]


# ------------------------------------------------------------------------------- send sequence


@pytest.mark.asyncio
async def test_send_emits_start_audio_chunks_and_complete(registry: EventRegistry) -> None:
    tts = SlowGenTTS(registry=registry, model_name="m1", voice_id="v1")
    got = _record(tts)
    result = await tts.send("Hello there", USER)
    assert [n for n, _ in got] == ["synthesis_start", "audio", "audio", "audio", "synthesis_complete"]
    start = got[0][1]
    assert isinstance(start, TTSSynthesisStartEvent)
    assert (start.text, start.model_name, start.voice_id) == ("Hello there", "m1", "v1")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [a.chunk_index for a in audio] == [0, 1, 2]
    assert [a.is_final_chunk for a in audio] == [False, False, True]
    assert {a.synthesis_id for a in audio} == {start.synthesis_id}
    for index, event in enumerate(audio):
        assert event.audio_data == _chunk(1600, value=index + 1)
        assert (event.sample_rate, event.channels, event.audio_format) == (16000, 1, AudioFormat.PCM_S16)
        assert event.text_source == "Hello there"
        assert event.user_metadata == USER
    complete = got[-1][1]
    assert isinstance(complete, TTSSynthesisCompleteEvent)
    assert complete.synthesis_id == start.synthesis_id
    assert complete.text == "Hello there"
    assert complete.chunk_count == 3
    assert complete.total_audio_bytes == 3 * 3200
    assert complete.user_metadata == USER
    assert isinstance(result, SynthesisResult)
    assert result.complete is complete
    assert result.synthesis_id == start.synthesis_id
    assert result.audio.to_bytes() == b"".join(a.audio_data or b"" for a in audio)
    assert registry.events[1:] == [event for _, event in got]


@pytest.mark.asyncio
async def test_synthesis_time_covers_the_whole_stream(registry: EventRegistry) -> None:
    tts = SlowGenTTS(registry=registry)
    got = _record(tts)
    await tts.send("timed")
    event: TTSSynthesisCompleteEvent = _of(got, "synthesis_complete")[0]
    assert event.synthesis_time_ms >= 100.0  # two 50 ms gaps between the three chunks
    assert event.synthesis_time_ms < 5000.0
    assert event.audio_duration_ms == pytest.approx(300.0)  # 3 x 1600 frames at 16 kHz
    assert event.real_time_factor == pytest.approx(event.synthesis_time_ms / 300.0)


@pytest.mark.asyncio
async def test_audio_duration_uses_bytes_rate_and_channels(registry: EventRegistry) -> None:
    tts = FnTTS(
        lambda text: [_chunk(2400, channels=2), _chunk(2400, channels=2)],
        sample_rate=24000,
        channels=2,
        registry=registry,
    )
    got = _record(tts)
    await tts.send("stereo")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [(a.channels, a.sample_rate) for a in audio] == [(2, 24000), (2, 24000)]
    assert audio[0].audio_duration_ms == pytest.approx(100.0)
    complete: TTSSynthesisCompleteEvent = _of(got, "synthesis_complete")[0]
    assert complete.total_audio_bytes == 2 * 2400 * 2 * 2
    assert complete.audio_duration_ms == pytest.approx(200.0)
    assert complete.real_time_factor is not None
    assert complete.real_time_factor == pytest.approx(complete.synthesis_time_ms / 200.0)


@pytest.mark.asyncio
async def test_single_chunk_is_the_final_chunk(registry: EventRegistry) -> None:
    tts = BytesTTS(registry=registry)
    got = _record(tts)
    await tts.send("one")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [(a.chunk_index, a.is_final_chunk) for a in audio] == [(0, True)]
    assert audio[0].audio_data == _chunk(800)
    complete: TTSSynthesisCompleteEvent = _of(got, "synthesis_complete")[0]
    assert complete.chunk_count == 1
    assert complete.audio_duration_ms == pytest.approx(50.0)


@pytest.mark.asyncio
async def test_empty_stream_completes_with_no_audio(registry: EventRegistry) -> None:
    tts = FnTTS(lambda text: [], registry=registry)
    got = _record(tts)
    result = await tts.send("silence")
    assert [n for n, _ in got] == ["synthesis_start", "synthesis_complete"]
    complete: TTSSynthesisCompleteEvent = got[-1][1]  # type: ignore[assignment]
    assert complete.chunk_count == 0
    assert complete.total_audio_bytes == 0
    assert complete.audio_duration_ms == 0.0
    assert complete.real_time_factor is None
    assert result.audio.frame_count == 0


@pytest.mark.asyncio
async def test_empty_chunks_are_skipped(registry: EventRegistry) -> None:
    tts = FnTTS(lambda text: [b"", _chunk(160), b"", _chunk(160), b""], registry=registry)
    got = _record(tts)
    await tts.send("gaps")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [(a.chunk_index, a.is_final_chunk) for a in audio] == [(0, False), (1, True)]


@pytest.mark.asyncio
async def test_each_send_has_its_own_synthesis_id(registry: EventRegistry) -> None:
    tts = BytesTTS(registry=registry)
    got = _record(tts)
    first = await tts.send("one")
    second = await tts.send("two")
    assert first.synthesis_id != second.synthesis_id
    assert [a.synthesis_id for a in _of(got, "audio")] == [first.synthesis_id, second.synthesis_id]


@pytest.mark.asyncio
async def test_args_and_kwargs_reach_stream_audio(registry: EventRegistry) -> None:
    tts = FnTTS(lambda text: [_chunk(10)], registry=registry)
    await tts.send("hi", USER, "extra", speed=1.5)
    assert tts.calls == [("hi", ("extra",), {"speed": 1.5})]


# ------------------------------------------------------------------------- stream_audio forms


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "tts_class",
    [SlowGenTTS, BytesTTS, CoroIterTTS, SyncIterTTS],
    ids=["asyncgen", "bytes", "coro-iter", "sync"],
)
async def test_stream_audio_function_kinds(tts_class: type[TTS], registry: EventRegistry) -> None:
    tts = tts_class(registry=registry)
    got = _record(tts)
    result = await tts.send("kinds")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert audio
    assert [a.chunk_index for a in audio] == list(range(len(audio)))
    assert [a.is_final_chunk for a in audio] == [False] * (len(audio) - 1) + [True]
    complete: TTSSynthesisCompleteEvent = _of(got, "synthesis_complete")[0]
    assert complete.chunk_count == len(audio)
    assert complete.total_audio_bytes == sum(len(a.audio_data or b"") for a in audio)
    assert result.audio.to_bytes() == b"".join(a.audio_data or b"" for a in audio)


async def _coro_returning(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


async def _agen(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        await asyncio.sleep(0)
        yield item


S16 = np.arange(160, dtype=np.int16)
F32 = np.linspace(-0.5, 0.5, 160, dtype=np.float32)

PRODUCERS: dict[str, tuple[Callable[[str], Any], list[bytes], AudioFormat]] = {
    "coro-bytes": (lambda t: _coro_returning(S16.tobytes()), [S16.tobytes()], AudioFormat.PCM_S16),
    "coro-bytearray": (
        lambda t: _coro_returning(bytearray(S16.tobytes())),
        [S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
    "plain-bytes": (lambda t: S16.tobytes(), [S16.tobytes()], AudioFormat.PCM_S16),
    "coro-pcm": (lambda t: _coro_returning(PcmData(S16, 16000)), [S16.tobytes()], AudioFormat.PCM_S16),
    "coro-ndarray": (lambda t: _coro_returning(S16), [S16.tobytes()], AudioFormat.PCM_S16),
    "coro-f32-ndarray": (lambda t: _coro_returning(F32), [F32.tobytes()], AudioFormat.PCM_F32),
    "coro-asyncgen": (
        lambda t: _coro_returning(_agen([S16.tobytes(), S16[::-1].tobytes()])),
        [S16.tobytes(), S16[::-1].copy().tobytes()],
        AudioFormat.PCM_S16,
    ),
    "asyncgen-pcm": (
        lambda t: _agen([PcmData(S16, 16000), PcmData(S16, 16000)]),
        [S16.tobytes(), S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
    "asyncgen-ndarray": (lambda t: _agen([S16, S16]), [S16.tobytes(), S16.tobytes()], AudioFormat.PCM_S16),
    "asyncgen-data-objects": (
        lambda t: _agen([ProviderChunk(S16.tobytes()), ProviderChunk(S16.tobytes())]),
        [S16.tobytes(), S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
    "sync-list": (
        lambda t: [S16.tobytes(), S16.tobytes()],
        [S16.tobytes(), S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
    "sync-generator": (
        lambda t: (c for c in [S16.tobytes(), S16.tobytes()]),
        [S16.tobytes(), S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
    "sync-data-objects": (lambda t: [ProviderChunk(S16.tobytes())], [S16.tobytes()], AudioFormat.PCM_S16),
    "coro-sync-tuple": (
        lambda t: _coro_returning((S16, PcmData(S16, 16000))),
        [S16.tobytes(), S16.tobytes()],
        AudioFormat.PCM_S16,
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("form", list(PRODUCERS))
async def test_stream_audio_return_forms(form: str, registry: EventRegistry) -> None:
    produce, expected, fmt = PRODUCERS[form]
    sink = Sink()
    tts = FnTTS(produce, registry=registry, output=sink)
    got = _record(tts)
    await tts.send("forms", USER)
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [a.audio_data for a in audio] == expected
    assert {a.audio_format for a in audio} == {fmt}
    assert [a.chunk_index for a in audio] == list(range(len(expected)))
    assert audio[-1].is_final_chunk
    assert [c.to_bytes() for c in sink.chunks] == expected
    assert _of(got, "error") == []
    complete: TTSSynthesisCompleteEvent = _of(got, "synthesis_complete")[0]
    assert complete.audio_duration_ms == pytest.approx(10.0 * len(expected))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "produce",
    [
        lambda t: _coro_returning(42),
        lambda t: 42,
        lambda t: "a string is not audio",
        lambda t: _coro_returning(None),
        lambda t: [_chunk(10), 3.5],
        lambda t: _agen([{"audio": b"\x00\x00"}]),
        lambda t: [ProviderChunk("text, not bytes")],  # type: ignore[arg-type]
    ],
    ids=["coro-int", "int", "str", "coro-none", "bad-chunk-in-list", "dict-chunk", "data-not-bytes"],
)
async def test_unsupported_return_type_raises_type_error(
    produce: Callable[[str], Any], registry: EventRegistry
) -> None:
    tts = FnTTS(produce, registry=registry)
    got = _record(tts, [*TTS_NAMES, "error_legacy"])
    with pytest.raises(TypeError):
        await tts.send("bad", USER)
    errors: list[TTSErrorEvent] = _of(got, "error")
    assert len(errors) == 1
    assert isinstance(errors[0].error, TypeError)
    assert _of(got, "error_legacy") == [errors[0].error]
    assert _of(got, "synthesis_complete") == []


@pytest.mark.asyncio
async def test_malformed_pcm_bytes_raise_audio_format_error(registry: EventRegistry) -> None:
    tts = FnTTS(lambda t: [b"\x00\x00\x00"], registry=registry)
    got = _record(tts)
    with pytest.raises(AudioFormatError):
        await tts.send("odd")
    errors: list[TTSErrorEvent] = _of(got, "error")
    assert len(errors) == 1
    assert isinstance(errors[0].error, AudioFormatError)
    assert registry.events[-1] is errors[0]


# ------------------------------------------------------------------------------------- errors


@pytest.mark.asyncio
async def test_error_in_stream_emits_error_and_legacy_then_reraises(registry: EventRegistry) -> None:
    failure = RuntimeError("quota exceeded")

    async def broken(text: str) -> AsyncIterator[bytes]:
        yield _chunk(160)
        raise failure

    tts = FnTTS(broken, registry=registry)
    got = _record(tts, [*TTS_NAMES, "error_legacy"])
    with pytest.raises(RuntimeError) as raised:
        await tts.send("Say this", USER)
    assert raised.value is failure
    start: TTSSynthesisStartEvent = _of(got, "synthesis_start")[0]
    errors: list[TTSErrorEvent] = _of(got, "error")
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, TTSErrorEvent)
    assert error.error is failure
    assert error.context == "synthesis"
    assert error.text_source == "Say this"
    assert error.synthesis_id == start.synthesis_id
    assert error.user_metadata == USER
    assert error.error_message == "quota exceeded"
    assert _of(got, "error_legacy") == [failure]
    assert _of(got, "synthesis_complete") == []
    assert registry.events[-1] is error


@pytest.mark.asyncio
async def test_error_code_is_copied_from_the_exception(registry: EventRegistry) -> None:
    failure = RuntimeError("rate limited")
    failure.error_code = "429"  # type: ignore[attr-defined]

    def raise_now(text: str) -> Any:
        raise failure

    tts = FnTTS(raise_now, registry=registry)
    got = _record(tts)
    with pytest.raises(RuntimeError):
        await tts.send("x")
    assert _of(got, "error")[0].error_code == "429"


@pytest.mark.asyncio
async def test_error_without_listener_is_logged_registered_and_reraised(
    registry: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    failure = ConnectionError("socket reset")

    async def broken(text: str) -> bytes:
        raise failure

    tts = FnTTS(broken, registry=registry)
    with caplog.at_level(logging.ERROR), pytest.raises(ConnectionError):
        await tts.send("x", USER)
    event = registry.events[-1]
    assert isinstance(event, TTSErrorEvent)
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    assert records[0].exc_info is not None and records[0].exc_info[1] is failure


@pytest.mark.asyncio
async def test_tts_keeps_working_after_an_error(registry: EventRegistry) -> None:
    calls = {"n": 0}

    def flaky(text: str) -> list[bytes]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first fails")
        return [_chunk(160)]

    tts = FnTTS(flaky, registry=registry)
    with pytest.raises(RuntimeError):
        await tts.send("a")
    result = await tts.send("b")
    assert result.complete.chunk_count == 1


# ------------------------------------------------------------------------------------- output


@pytest.mark.asyncio
async def test_output_receives_every_chunk_in_order(registry: EventRegistry) -> None:
    sink = Sink()
    assert isinstance(sink, AudioOutput)
    tts = SlowGenTTS(registry=registry, output=sink)
    assert tts.output is sink
    got = _record(tts)
    await tts.send("to the sink")
    assert [c.to_bytes() for c in sink.chunks] == [_chunk(1600, value=v) for v in (1, 2, 3)]
    assert all(c.sample_rate == 16000 for c in sink.chunks)
    assert [c.to_bytes() for c in sink.chunks] == [a.audio_data for a in _of(got, "audio")]


@pytest.mark.asyncio
async def test_set_output_and_upstream_alias(registry: EventRegistry) -> None:
    tts = BytesTTS(registry=registry)
    assert tts.output is None
    await tts.send("no output: events only")
    first, second = Sink(), Sink()
    tts.set_output(first)
    await tts.send("first")
    tts.set_output_track(second)
    assert tts.output is second
    await tts.send("second")
    tts.set_output(None)
    await tts.send("none")
    assert len(first.chunks) == 1
    assert len(second.chunks) == 1


@pytest.mark.asyncio
async def test_failing_output_emits_an_error_and_reraises(registry: EventRegistry) -> None:
    tts = BytesTTS(registry=registry, output=FailingSink())
    got = _record(tts)
    with pytest.raises(OSError, match="unplugged"):
        await tts.send("x")
    errors: list[TTSErrorEvent] = _of(got, "error")
    assert len(errors) == 1
    assert isinstance(errors[0].error, OSError)
    assert errors[0].context == "synthesis"


# ------------------------------------------------------------------------------------- legacy


@pytest.mark.asyncio
async def test_audio_legacy_payload_is_bytes_and_user(registry: EventRegistry) -> None:
    tts = SlowGenTTS(registry=registry)
    legacy: list[tuple[Any, ...]] = []
    tts.on("audio_legacy", lambda *args: legacy.append(args))
    await tts.send("legacy", USER)
    assert legacy == [(_chunk(1600, value=v), USER) for v in (1, 2, 3)]


@pytest.mark.asyncio
async def test_async_handlers_receive_tts_events(registry: EventRegistry) -> None:
    tts = SlowGenTTS(registry=registry)
    got: list[str] = []

    @tts.on("audio")
    async def on_audio(event: TTSAudioEvent) -> None:
        await asyncio.sleep(0)
        got.append(f"audio{event.chunk_index}")

    @tts.on("synthesis_complete")
    async def on_complete(event: TTSSynthesisCompleteEvent) -> None:
        got.append("complete")

    await tts.send("x")
    await tts.wait_for_handlers(timeout=2)
    assert sorted(got) == ["audio0", "audio1", "audio2", "complete"]


# -------------------------------------------------------------------------------------- close


@pytest.mark.asyncio
async def test_close_is_idempotent_and_stops_audio_once(registry: EventRegistry) -> None:
    tts = FnTTS(lambda t: [_chunk(10)], registry=registry, provider_name="voicy")
    closed: list[PluginClosedEvent] = []
    tts.on("closed", closed.append)
    await tts.close()
    await tts.close()
    assert tts.stopped == 1
    assert len(closed) == 1
    assert closed[0].plugin_type == "TTS"
    assert closed[0].provider == "voicy"
    assert [e.event_type for e in registry.events] == [EventType.PLUGIN_INITIALIZED, EventType.PLUGIN_CLOSED]


@pytest.mark.asyncio
async def test_send_after_close_raises_and_emits_nothing(registry: EventRegistry) -> None:
    tts = FnTTS(lambda t: [_chunk(10)], registry=registry)
    await tts.close()
    count = len(registry)
    with pytest.raises(RuntimeError, match="closed"):
        await tts.send("too late")
    assert tts.calls == []
    assert len(registry) == count


# ------------------------------------------------------------------------ known bugs (xfail)


@pytest.mark.asyncio
async def test_stream_audio_may_return_a_single_data_object(registry: EventRegistry) -> None:
    tts = FnTTS(lambda t: _coro_returning(ProviderChunk(S16.tobytes())), registry=registry)
    got = _record(tts)
    await tts.send("lone chunk object")
    audio: list[TTSAudioEvent] = _of(got, "audio")
    assert [a.audio_data for a in audio] == [S16.tobytes()]
