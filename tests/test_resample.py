"""Tests of plugins_core.resample.StreamResampler: a chunked stream is one signal, with no clicks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError
from plugins_core.resample import StreamResampler


def tone(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray[Any, Any]:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def stream(samples: np.ndarray[Any, Any], source: int, target: int, sizes: list[int]) -> PcmData:
    """``samples`` fed in chunks of the given sizes (cycled), then flushed, joined."""
    resampler = StreamResampler(source, target)
    fmt = AudioFormat.PCM_F32 if samples.dtype == np.float32 else AudioFormat.PCM_S16
    parts, start, k = [], 0, 0
    while start < len(samples):
        size = sizes[k % len(sizes)]
        parts.append(resampler.process(PcmData(samples[start : start + size], source, fmt)))
        start, k = start + size, k + 1
    parts.append(resampler.flush())
    assert all(p.format is fmt and p.sample_rate == target for p in parts)
    return PcmData(np.concatenate([p.samples for p in parts]), target, fmt)


@pytest.mark.parametrize(
    ("source", "target"), [(48000, 16000), (44100, 16000), (22050, 16000), (8000, 16000), (16000, 48000)]
)
@pytest.mark.parametrize("sizes", [[960], [1], [7, 1000, 3, 441]], ids=["20ms", "1-sample", "uneven"])
def test_a_chunked_stream_equals_the_one_shot_result(source: int, target: int, sizes: list[int]) -> None:
    signal = tone(440, source, 0.3) + tone(3000, source, 0.3, 0.25)
    if sizes == [1]:
        signal = signal[: source // 20]  # 50 ms one sample at a time
    whole = PcmData(signal, source, AudioFormat.PCM_F32).resample(target)
    chunked = stream(signal, source, target, sizes)
    assert chunked.frame_count == whole.frame_count
    np.testing.assert_allclose(chunked.samples, whole.samples, atol=1e-6)


def test_an_s16_stream_equals_the_one_shot_s16_result() -> None:
    signal = (tone(440, 44100, 0.5) * 60000).clip(-32768, 32767).astype(np.int16)  # clipped: overshoot too
    whole = PcmData(signal, 44100).resample(16000)
    chunked = stream(signal, 44100, 16000, [441])
    assert chunked.samples.dtype == np.int16
    np.testing.assert_array_equal(chunked.samples, whole.samples)


def _largest_step(samples: np.ndarray[Any, Any]) -> float:
    return float(np.max(np.abs(np.diff(samples.astype(np.float64)))))


def test_no_click_at_chunk_edges() -> None:
    # 440 Hz in 20 ms chunks: 8.8 periods per chunk, so every edge cuts the wave at another phase
    signal = tone(440, 48000, 1.0)
    smooth_step = 2 * np.pi * 440 / 16000 * 0.5  # the largest step of the ideal 440 Hz wave at 16 kHz
    chunked = stream(signal, 48000, 16000, [960]).samples
    assert _largest_step(chunked[800:-800]) < 1.05 * smooth_step
    # what this guards against: the one-shot resampler applied per chunk jumps at every edge
    per_chunk = np.concatenate(
        [
            PcmData(signal[i : i + 960], 48000, AudioFormat.PCM_F32).resample(16000).samples
            for i in range(0, 48000, 960)
        ]
    )
    assert _largest_step(per_chunk[800:-800]) > 2 * smooth_step


def _level_db(samples: np.ndarray[Any, Any], amplitude: float = 0.5) -> float:
    middle = samples[len(samples) // 10 : -len(samples) // 10].astype(np.float64)
    return float(20 * np.log10(max(np.sqrt(np.mean(middle**2)), 1e-12) / (amplitude / np.sqrt(2))))


def test_a_stream_keeps_the_speech_band_and_removes_what_would_alias() -> None:
    kept = stream(tone(7000, 48000, 0.5), 48000, 16000, [960])  # 0.875 of the new Nyquist frequency
    folded = stream(tone(9000, 48000, 0.5), 48000, 16000, [960])  # would fold to 7 kHz
    assert abs(_level_db(kept.samples)) < 0.1
    assert _level_db(folded.samples) < -80


def test_stereo_streams_keep_their_channels() -> None:
    stereo = np.stack([tone(500, 44100, 0.5), tone(1500, 44100, 0.5)], axis=1)
    out = stream(stereo, 44100, 16000, [441])
    assert out.samples.shape == (8000, 2)
    whole = PcmData(stereo, 44100, AudioFormat.PCM_F32).resample(16000)
    np.testing.assert_allclose(out.samples, whole.samples, atol=1e-6)


def test_output_is_held_back_until_more_audio_or_flush() -> None:
    resampler = StreamResampler(44100, 16000)
    assert resampler.delay_ms == 0.0
    first = resampler.process(PcmData(np.zeros(44100, np.int16), 44100))
    held = 16000 - first.frame_count
    assert 0 < held <= 0.05 * 16000
    assert resampler.delay_ms == pytest.approx(held / 16)
    assert resampler.flush().frame_count == held


def test_flush_starts_a_new_stream() -> None:
    resampler = StreamResampler(48000, 16000)
    assert resampler.flush().frame_count == 0  # nothing fed yet
    resampler.process(PcmData(np.zeros(4800, np.int16), 48000))
    assert resampler.flush().frame_count > 0
    stereo = PcmData(np.zeros((4800, 2), np.float32), 48000, AudioFormat.PCM_F32)
    resampler.process(stereo)  # another channel count and format: a new stream
    tail = resampler.flush()
    assert tail.channels == 2 and tail.format is AudioFormat.PCM_F32


def test_chunks_must_keep_the_rate_and_channels() -> None:
    resampler = StreamResampler(48000, 16000)
    with pytest.raises(AudioFormatError, match=r"^sample_rate=44100: this resampler reads 48000 Hz$"):
        resampler.process(PcmData(np.zeros(10, np.int16), 44100))
    resampler.process(PcmData(np.zeros(10, np.int16), 48000))
    with pytest.raises(AudioFormatError, match=r"^channels=2: this stream has 1$"):
        resampler.process(PcmData(np.zeros((10, 2), np.int16), 48000))


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0, 16000), {}, r"^source_rate=0: must be a positive integer \(Hz\)$"),
        ((48000, 16000.0), {}, r"^target_rate=16000\.0: must be a positive integer"),
        ((48000, 500), {}, r"^target_rate=500: must be from 1000 to 384000 Hz$"),
        ((400_000, 16000), {}, r"^source_rate=400000: must be from 1000 to 384000 Hz$"),
        ((48000, 16000), {"quality": "best"}, r"^quality='best': must be one of QQ, LQ, MQ, HQ, VHQ$"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(args: Any, kwargs: Any, match: str) -> None:
    with pytest.raises(AudioFormatError, match=match):
        StreamResampler(*args, **kwargs)


def test_repr_says_rates_and_quality() -> None:
    assert repr(StreamResampler(48000, 16000)) == "StreamResampler(48000 Hz -> 16000 Hz, HQ)"
