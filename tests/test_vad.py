"""Tests of the VAD base class (plugins_core.vad): the hysteresis over an abstract per-frame
probability, segments as PCM at the true rate, framing, resampling, flush/reset/close, errors and
legacy payloads."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest

from plugins_core import (
    VAD,
    BaseEvent,
    EventRegistry,
    EventType,
    PcmData,
    PluginClosedEvent,
    VADAudioEvent,
    VADErrorEvent,
    VADPartialEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)

USER = {"user_id": "carol"}
NAMES = ["speech_start", "partial", "audio", "speech_end", "error"]
SCALE = 10000  # LevelVAD reads a frame of constant level p * SCALE as probability p


class LevelVAD(VAD):
    """Probability = the frame's mean level / SCALE (clipped to [0, 1]); records every frame."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.frames: list[PcmData] = []

    async def is_speech(self, frame: PcmData) -> float:
        self.frames.append(frame)
        return float(np.clip(frame.samples.astype(np.float64).mean() / SCALE, 0.0, 1.0))


class ScriptVAD(VAD):
    """Returns the scripted values in order (an exception in the script is raised), then 0.0."""

    def __init__(self, script: list[float | Exception], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = list(script)
        self.calls = 0

    async def is_speech(self, frame: PcmData) -> float:
        self.calls += 1
        if not self.script:
            return 0.0
        value = self.script.pop(0)
        if isinstance(value, Exception):
            raise value
        return value


def _config(rate: int = 8000, **overrides: Any) -> dict[str, Any]:
    """10 ms frames; pad 3 frames; minimum 5 frames; partial every 4 frames."""
    config: dict[str, Any] = {
        "sample_rate": rate,
        "frame_size": rate // 100,
        "activation_th": 0.5,
        "deactivation_th": 0.35,
        "speech_pad_ms": 30,
        "min_speech_ms": 50,
        "max_speech_ms": 1000,
        "partial_frames": 4,
    }
    config.update(overrides)
    return config


def _signal(probabilities: list[float], frame_size: int) -> np.ndarray[Any, Any]:
    return np.concatenate([np.full(frame_size, round(p * SCALE), np.int16) for p in probabilities])


def _record(vad: VAD, names: list[str] = NAMES) -> list[tuple[str, BaseEvent]]:
    got: list[tuple[str, BaseEvent]] = []
    for name in names:
        vad.on(name, lambda event, name=name: got.append((name, event)))
    return got


def _of(got: list[tuple[str, BaseEvent]], name: str) -> list[Any]:
    return [event for n, event in got if n == name]


@pytest.fixture
def registry() -> EventRegistry:
    return EventRegistry()


# --------------------------------------------------------------------------------- hysteresis

HYSTERESIS = [0.1, 0.2, 0.6, 0.9, 0.4, 0.3, 0.8, 0.2, 0.1, 0.0, 0.0, 0.0]


@pytest.mark.asyncio
@pytest.mark.parametrize("rate", [8000, 16000])
async def test_hysteresis_segment_events(rate: int, registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(rate))
    frame = vad.frame_size
    got = _record(vad)
    signal = _signal(HYSTERESIS, frame)
    await vad.process_audio(PcmData(signal, rate), USER)
    assert [n for n, _ in got] == ["speech_start", "partial", "audio", "speech_end"]

    start: VADSpeechStartEvent = got[0][1]  # type: ignore[assignment]
    assert start.speech_probability == pytest.approx(0.6)
    assert start.activation_threshold == 0.5
    assert start.frame_count == 1

    # frames 2..9: speech from the activating frame through the 3 silent padding frames
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert audio.audio_data == signal[2 * frame : 10 * frame].tobytes()
    assert audio.sample_rate == rate
    assert audio.channels == 1
    assert audio.frame_count == 8
    assert audio.duration_ms == pytest.approx(80.0)
    assert audio.duration_ms == pytest.approx(len(audio.audio_data) / 2 / rate * 1000.0)
    assert audio.audio_duration_ms == pytest.approx(audio.duration_ms)
    # mean over the frames at or above the deactivation threshold: 0.6, 0.9, 0.4, 0.8
    assert audio.speech_probability == pytest.approx((0.6 + 0.9 + 0.4 + 0.8) / 4)

    end: VADSpeechEndEvent = _of(got, "speech_end")[0]
    assert end.deactivation_threshold == 0.35
    assert end.total_frames == 8
    # speech heard after speech_start: frames 3..6 (frame 2 started it; 7..9 are the waited silence)
    assert end.total_speech_duration_ms == pytest.approx(40.0)
    assert end.speech_probability == pytest.approx(0.0)
    assert not vad.is_speech_active

    for _, event in got:
        assert event.user_metadata == USER
        assert event.session_id == vad.session_id
    assert registry.events[1:] == [event for _, event in got]


@pytest.mark.asyncio
async def test_probability_between_thresholds_does_not_start_speech(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(_signal([0.45] * 30, 80))
    assert got == []
    assert not vad.is_speech_active


@pytest.mark.asyncio
async def test_probability_between_thresholds_keeps_speech_going(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(_signal([0.9] + [0.4] * 20, 80))
    assert [n for n, _ in got] == ["speech_start"] + ["partial"] * 5
    assert vad.is_speech_active


@pytest.mark.asyncio
async def test_silence_shorter_than_the_padding_does_not_end_speech(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(partial_frames=100))
    got = _record(vad)
    await vad.process_audio(_signal([0.9, 0.9, 0.0, 0.0, 0.9, 0.9, 0.0, 0.0, 0.0], 80))
    assert [n for n, _ in got] == ["speech_start", "audio", "speech_end"]
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert audio.frame_count == 9  # one segment: the 2-frame gap was bridged
    assert audio.speech_probability == pytest.approx(0.9)


@pytest.mark.asyncio
async def test_partials_every_partial_frames_while_active(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(partial_frames=2))
    got = _record(vad)
    signal = _signal([0.8] * 12 + [0.0] * 3, 80)
    await vad.process_audio(signal, USER)
    partials: list[VADPartialEvent] = _of(got, "partial")
    counts = [p.frame_count for p in partials]
    assert len(partials) >= 6
    assert all(b - a == 2 for a, b in zip(counts, counts[1:], strict=False))
    assert counts[0] in (2, 3)
    audio: VADAudioEvent = _of(got, "audio")[0]
    names = [n for n, _ in got]
    assert names.index("audio") > max(i for i, n in enumerate(names) if n == "partial")
    for partial in partials:
        assert partial.is_speech_active is True
        assert partial.sample_rate == 8000
        assert partial.audio_data is not None
        assert audio.audio_data is not None
        assert audio.audio_data.startswith(partial.audio_data)  # the speech so far
        assert partial.duration_ms == pytest.approx(partial.frame_count * 10.0)
        assert partial.speech_probability == pytest.approx(0.8)
        assert partial.user_metadata == USER


@pytest.mark.asyncio
async def test_too_short_segment_emits_speech_end_but_no_audio(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(_signal([0.9, 0.0, 0.0, 0.0, 0.0], 80))  # 4 frames < 5-frame minimum
    assert [n for n, _ in got] == ["speech_start", "speech_end"]
    end: VADSpeechEndEvent = _of(got, "speech_end")[0]
    assert end.total_frames == 4


@pytest.mark.asyncio
async def test_segment_at_exactly_the_minimum_emits_audio(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(partial_frames=100))
    got = _record(vad)
    await vad.process_audio(_signal([0.9, 0.9, 0.0, 0.0, 0.0], 80))  # 5 frames = 50 ms
    assert [n for n, _ in got] == ["speech_start", "audio", "speech_end"]


@pytest.mark.asyncio
async def test_max_speech_forces_a_flush(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(max_speech_ms=100, partial_frames=1000))
    got = _record(vad)
    await vad.process_audio(_signal([0.9] * 25 + [0.0] * 3, 80))
    assert [n for n, _ in got] == ["speech_start", "audio", "speech_end"] * 3
    audio: list[VADAudioEvent] = _of(got, "audio")
    assert [a.frame_count for a in audio] == [10, 10, 8]
    assert [a.duration_ms for a in audio] == [pytest.approx(100.0), pytest.approx(100.0), pytest.approx(80.0)]


@pytest.mark.asyncio
async def test_prefix_padding_keeps_frames_before_activation(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, prefix_pad_ms=20, **_config())
    got = _record(vad)
    signal = _signal([0.0, 0.1, 0.2, 0.9, 0.9, 0.9, 0.0, 0.0, 0.0], 80)
    await vad.process_audio(signal)
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert audio.audio_data == signal[1 * 80 :].tobytes()  # two frames of prefix
    assert audio.speech_probability == pytest.approx(0.9)


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="activation_th"):
        LevelVAD(activation_th=0.3, deactivation_th=0.5, registry=EventRegistry())
    with pytest.raises(ValueError, match="frame_size"):
        LevelVAD(frame_size=0, registry=EventRegistry())
    with pytest.raises(ValueError, match="sample_rate"):
        LevelVAD(sample_rate=-1, registry=EventRegistry())


# ------------------------------------------------------------------------------ framing, input


@pytest.mark.asyncio
async def test_odd_sized_chunks_are_framed_like_one_block(registry: EventRegistry) -> None:
    probabilities = [0.0, 0.7, 0.9, 0.9, 0.2, 0.8, 0.9, 0.0, 0.0, 0.0, 0.0, 0.6, 0.6] + [0.9] * 6 + [0.0] * 4
    signal = _signal(probabilities, 80)

    whole = LevelVAD(registry=EventRegistry(), **_config(partial_frames=3))
    expected = _record(whole)
    await whole.process_audio(signal, USER)

    chunked = LevelVAD(registry=registry, **_config(partial_frames=3))
    got = _record(chunked)
    sizes = [37, 101, 13, 250, 1, 79, 80, 81]
    offset = 0
    index = 0
    while offset < signal.size:
        size = sizes[index % len(sizes)]
        await chunked.process_audio(signal[offset : offset + size], USER)
        offset += size
        index += 1
    assert len(chunked.frames) == len(probabilities) == len(whole.frames)
    assert all(f.frame_count == 80 for f in chunked.frames)
    assert [n for n, _ in got] == [n for n, _ in expected]
    assert [getattr(e, "audio_data", None) for _, e in got] == [
        getattr(e, "audio_data", None) for _, e in expected
    ]
    assert len(_of(got, "audio")) == 2


@pytest.mark.asyncio
async def test_leftover_samples_wait_for_the_next_call(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    samples = np.arange(200, dtype=np.int16)
    await vad.process_audio(samples[:50])
    assert vad.frames == []
    await vad.process_audio(samples[50:130])
    assert len(vad.frames) == 1
    np.testing.assert_array_equal(vad.frames[0].samples, samples[:80])
    await vad.process_audio(samples[130:])
    assert len(vad.frames) == 2
    np.testing.assert_array_equal(vad.frames[1].samples, samples[80:160])
    assert all(f.sample_rate == 8000 for f in vad.frames)


@pytest.mark.asyncio
async def test_bytes_float_and_stereo_input(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    level = np.full(80, 5000, np.int16)
    await vad.process_audio(level.tobytes())
    await vad.process_audio(np.full(80, 5000 / 32768, np.float32))
    await vad.process_audio(PcmData(np.stack([level, level], axis=1), 8000))
    assert len(vad.frames) == 3
    for frame in vad.frames:
        assert frame.channels == 1
        assert frame.samples.dtype == np.int16
        assert abs(int(frame.samples.mean()) - 5000) <= 1


@pytest.mark.asyncio
@pytest.mark.parametrize("as_array", [False, True], ids=["pcm", "ndarray"])
async def test_audio_at_another_rate_is_resampled(as_array: bool, registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(16000))
    got = _record(vad)
    at_8k = _signal([0.0] * 10 + [0.9] * 20 + [0.0] * 10, 80)
    if as_array:
        await vad.process_audio(at_8k, sample_rate=8000)
    else:
        await vad.process_audio(PcmData(at_8k, 8000))
    await vad.flush()  # the stream resampler's held-back tail
    assert len(vad.frames) == 40  # 400 ms at 16 kHz in 160-sample frames
    assert all(f.sample_rate == 16000 and f.frame_count == 160 for f in vad.frames)
    audio: list[VADAudioEvent] = _of(got, "audio")
    assert len(audio) == 1
    assert audio[0].sample_rate == 16000
    assert audio[0].duration_ms is not None
    assert 200.0 <= audio[0].duration_ms <= 250.0
    assert audio[0].duration_ms == pytest.approx(len(audio[0].audio_data or b"") / 2 / 16000 * 1000.0)


# -------------------------------------------------------------------------- flush, reset, close


@pytest.mark.asyncio
async def test_flush_ends_an_open_segment(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(partial_frames=100))
    got = _record(vad)
    signal = _signal([0.9] * 6, 80)
    await vad.process_audio(signal, USER)
    assert vad.is_speech_active
    await vad.flush(USER)
    assert not vad.is_speech_active
    assert [n for n, _ in got] == ["speech_start", "audio", "speech_end"]
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert audio.audio_data == signal.tobytes()
    assert audio.user_metadata == USER
    await vad.flush()
    assert len(got) == 3  # nothing open: nothing emitted


@pytest.mark.asyncio
async def test_flush_of_a_short_open_segment_emits_only_speech_end(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(_signal([0.9, 0.9], 80))
    await vad.flush()
    assert [n for n, _ in got] == ["speech_start", "speech_end"]


@pytest.mark.asyncio
async def test_flush_keeps_unclassified_samples(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    samples = np.arange(80 * 6 + 30, dtype=np.int16)
    await vad.process_audio(samples)
    await vad.flush()
    await vad.process_audio(np.arange(50, dtype=np.int16))
    assert len(vad.frames) == 7
    np.testing.assert_array_equal(vad.frames[-1].samples[:30], samples[-30:])


@pytest.mark.asyncio
async def test_reset_forgets_state_and_emits_nothing(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(_signal([0.9] * 3, 80))
    await vad.process_audio(np.full(50, 9000, np.int16))  # leftover, not yet a frame
    assert vad.is_speech_active
    events_before = len(got)
    await vad.reset()
    assert not vad.is_speech_active
    assert len(got) == events_before
    fresh = np.arange(80, dtype=np.int16)
    await vad.process_audio(fresh)  # a frame of its own: the 50 old samples were forgotten
    np.testing.assert_array_equal(vad.frames[-1].samples, fresh)
    await vad.process_audio(_signal([0.0] * 5, 80))
    assert [n for n, _ in got] == ["speech_start"]  # no speech_end for the forgotten segment


@pytest.mark.asyncio
async def test_close_flushes_an_open_segment_then_emits_closed(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(partial_frames=100))
    got = _record(vad, [*NAMES, "closed"])
    await vad.process_audio(_signal([0.9] * 7, 80), USER)
    await vad.close()
    await vad.close()
    assert [n for n, _ in got] == ["speech_start", "audio", "speech_end", "closed"]
    closed: PluginClosedEvent = got[-1][1]  # type: ignore[assignment]
    assert closed.plugin_type == "VAD"
    assert [e.event_type for e in registry.events] == [
        EventType.PLUGIN_INITIALIZED,
        EventType.VAD_SPEECH_START,
        EventType.VAD_AUDIO,
        EventType.VAD_SPEECH_END,
        EventType.PLUGIN_CLOSED,
    ]


@pytest.mark.asyncio
async def test_close_when_idle_emits_only_closed_and_later_audio_is_ignored(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config())
    got = _record(vad, [*NAMES, "closed"])
    await vad.close()
    await vad.process_audio(_signal([0.9] * 10, 80))
    assert [n for n, _ in got] == ["closed"]
    assert vad.frames == []


# ------------------------------------------------------------------------------------- errors


@pytest.mark.asyncio
async def test_is_speech_raising_emits_error_and_processing_continues(registry: EventRegistry) -> None:
    failure = RuntimeError("model crashed")
    vad = ScriptVAD(
        [0.9, failure, 0.9, 0.9, 0.9, 0.0, 0.0, 0.0], registry=registry, **_config(partial_frames=100)
    )
    got = _record(vad, [*NAMES, "error_legacy"])
    await vad.process_audio(np.zeros(80 * 10, np.int16), USER)
    assert vad.calls == 10
    names = [n for n, _ in got]
    assert names == ["speech_start", "error", "error_legacy", "audio", "speech_end"]
    error: VADErrorEvent = _of(got, "error")[0]
    assert error.error is failure
    assert error.context == "is_speech"
    assert error.frame_data_available is True
    assert error.user_metadata == USER
    assert _of(got, "error_legacy") == [failure]
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert audio.frame_count == 7  # the failed frame is not part of the segment


@pytest.mark.asyncio
@pytest.mark.parametrize("value", [1.5, -0.1, math.nan, math.inf], ids=["above", "below", "nan", "inf"])
async def test_probability_outside_zero_one_is_an_error_event(value: float, registry: EventRegistry) -> None:
    vad = ScriptVAD([value, 0.9], registry=registry, **_config())
    got = _record(vad)
    await vad.process_audio(np.zeros(160, np.int16), USER)
    assert [n for n, _ in got] == ["error", "speech_start"]
    error: VADErrorEvent = _of(got, "error")[0]
    assert isinstance(error.error, ValueError)
    assert error.context == "is_speech"
    assert error.frame_data_available is False


@pytest.mark.asyncio
async def test_is_speech_error_without_listener_is_logged_and_registered(
    registry: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    vad = ScriptVAD([RuntimeError("no listener")], registry=registry, **_config())
    with caplog.at_level(logging.ERROR):
        await vad.process_audio(np.zeros(80, np.int16))
    assert isinstance(registry.events[-1], VADErrorEvent)
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert str(records[0].exc_info[1]) == "no listener"


# ------------------------------------------------------------------------------------- legacy


@pytest.mark.asyncio
@pytest.mark.parametrize("rate", [8000, 16000])
async def test_legacy_payloads_are_pcm_data_and_user(rate: int, registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(rate, partial_frames=2))
    got = _record(vad)
    legacy: list[tuple[str, tuple[Any, ...]]] = []
    for name in ("audio_legacy", "partial_legacy"):
        vad.on(name, lambda *args, name=name: legacy.append((name, args)))
    await vad.process_audio(_signal([0.9] * 6 + [0.0] * 3, rate // 100), USER)
    audio_legacy = [args for name, args in legacy if name == "audio_legacy"]
    assert len(audio_legacy) == 1
    pcm, user = audio_legacy[0]
    assert isinstance(pcm, PcmData)
    assert pcm.sample_rate == rate
    assert user == USER
    audio: VADAudioEvent = _of(got, "audio")[0]
    assert pcm.to_bytes() == audio.audio_data
    partial_legacy = [args for name, args in legacy if name == "partial_legacy"]
    assert len(partial_legacy) == len(_of(got, "partial")) > 0
    assert all(isinstance(p, PcmData) and u == USER for p, u in partial_legacy)


# ------------------------------------------------------------------------ known bugs (xfail)


@pytest.mark.asyncio
async def test_chunked_audio_at_another_rate_is_resampled_as_one_stream(registry: EventRegistry) -> None:
    vad = LevelVAD(registry=registry, **_config(16000))
    t = np.arange(44100) / 44100.0
    tone = (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)
    for offset in range(0, tone.size, 100):
        await vad.process_audio(PcmData(tone[offset : offset + 100], 44100))
    received = sum(f.frame_count for f in vad.frames) + vad._leftover.size
    assert 16000 - 0.05 * 16000 <= received <= 16000  # the resampler holds back its delay until flush()
    reference = PcmData(tone, 44100).resample(16000).samples.astype(np.int32)
    middle = np.concatenate([f.samples for f in vad.frames[10:90]]).astype(np.int32)
    assert int(np.abs(middle - reference[1600:14400]).max()) < 500
