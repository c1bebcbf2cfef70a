"""Tests of plugins_core.audio.PcmData: bytes and WAV round trips, conversions, resampling, errors."""

from __future__ import annotations

import dataclasses
import io
import struct
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray[Any, Any]:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(samples: np.ndarray[Any, Any], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


def band_rms(samples: np.ndarray[Any, Any], rate: int, low: float, high: float) -> float:
    """RMS amplitude of the part of the signal between `low` and `high` Hz (Parseval)."""
    spectrum = np.fft.rfft(samples.astype(np.float64))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = spectrum[(freqs >= low) & (freqs <= high)]
    return float(np.sqrt(2 * np.sum(np.abs(band) ** 2)) / len(samples))


def wav_bytes(rate: int, channels: int, width: int, frames: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


S16_STEREO = np.array([[1, -1], [300, -300], [32767, -32768]], dtype=np.int16)
F32_STEREO = np.array([[0.25, -0.25], [1.0, -1.0]], dtype=np.float32)

ROUND_TRIPS = [
    pytest.param(np.array([0, 1, -1, 32767, -32768], dtype=np.int16), AudioFormat.PCM_S16, 1, id="s16-mono"),
    pytest.param(S16_STEREO, AudioFormat.PCM_S16, 2, id="s16-stereo"),
    pytest.param(np.array([0.0, 0.5, -0.5, 1.0], dtype=np.float32), AudioFormat.PCM_F32, 1, id="f32-mono"),
    pytest.param(F32_STEREO, AudioFormat.PCM_F32, 2, id="f32-stereo"),
]


# ----------------------------------------------------------------------------------- bytes


@pytest.mark.parametrize(("samples", "fmt", "channels"), ROUND_TRIPS)
def test_from_bytes_to_bytes_round_trip(
    samples: np.ndarray[Any, Any], fmt: AudioFormat, channels: int
) -> None:
    data = samples.tobytes()
    pcm = PcmData.from_bytes(data, 16000, fmt, channels)
    assert pcm.format is fmt
    assert pcm.channels == channels
    assert pcm.frame_count == samples.shape[0]
    np.testing.assert_array_equal(pcm.samples, samples)
    assert pcm.to_bytes() == data


def test_from_bytes_accepts_the_format_as_a_string() -> None:
    pcm = PcmData.from_bytes(np.zeros(4, np.float32).tobytes(), 8000, "f32")
    assert pcm.format is AudioFormat.PCM_F32
    assert pcm.samples.dtype == np.float32


def test_stereo_bytes_are_read_as_interleaved_frames() -> None:
    pcm = PcmData.from_bytes(np.array([1, 2, 3, 4, 5, 6], dtype=np.int16).tobytes(), 16000, channels=2)
    assert pcm.samples.shape == (3, 2)
    np.testing.assert_array_equal(pcm.samples[:, 0], [1, 3, 5])  # left
    np.testing.assert_array_equal(pcm.samples[:, 1], [2, 4, 6])  # right


def test_from_bytes_copies_the_callers_buffer() -> None:
    buffer = bytearray(np.array([1, 2], dtype=np.int16).tobytes())
    pcm = PcmData.from_bytes(buffer, 16000)
    buffer[0:2] = b"\xff\xff"
    np.testing.assert_array_equal(pcm.samples, [1, 2])


def test_from_bytes_accepts_a_memoryview() -> None:
    pcm = PcmData.from_bytes(memoryview(np.array([7, 8], dtype=np.int16).tobytes()), 16000)
    np.testing.assert_array_equal(pcm.samples, [7, 8])


def test_to_bytes_of_a_non_contiguous_array_is_interleaved() -> None:
    fortran = np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.int16))
    assert PcmData(fortran, 16000).to_bytes() == np.array([1, 2, 3, 4], dtype=np.int16).tobytes()


def test_empty_bytes_give_empty_audio() -> None:
    pcm = PcmData.from_bytes(b"", 16000)
    assert pcm.frame_count == 0
    assert pcm.duration == 0.0
    assert pcm.to_bytes() == b""


# ----------------------------------------------------------------------- frames and duration


@pytest.mark.parametrize(
    ("frames", "channels", "rate", "seconds"),
    [
        pytest.param(16000, 1, 16000, 1.0, id="1s-mono-16k"),
        pytest.param(480, 1, 48000, 0.01, id="10ms-48k"),
        pytest.param(22050, 2, 44100, 0.5, id="stereo-half-second"),
        pytest.param(1, 1, 8000, 0.000125, id="one-frame"),
        pytest.param(0, 1, 16000, 0.0, id="empty"),
    ],
)
def test_frame_count_duration_and_duration_ms(frames: int, channels: int, rate: int, seconds: float) -> None:
    shape = (frames,) if channels == 1 else (frames, channels)
    pcm = PcmData(np.zeros(shape, dtype=np.int16), rate)
    assert pcm.frame_count == frames
    assert len(pcm) == frames
    assert pcm.channels == channels
    assert pcm.duration == pytest.approx(seconds)
    assert pcm.duration_ms == pytest.approx(seconds * 1000)


# ------------------------------------------------------------------------------------- WAV


def test_to_wav_bytes_header_says_rate_channels_and_16_bit() -> None:
    pcm = PcmData(S16_STEREO, 22050)
    data = pcm.to_wav_bytes()
    assert data[0:4] == b"RIFF"
    assert data[8:12] == b"WAVE"
    assert data[12:16] == b"fmt "
    fmt_tag, channels, rate, byte_rate, block_align, bits = struct.unpack("<HHIIHH", data[20:36])
    assert (fmt_tag, channels, rate, bits) == (1, 2, 22050, 16)  # 1 = integer PCM
    assert byte_rate == 22050 * 2 * 2
    assert block_align == 4
    assert data[36:40] == b"data"
    assert struct.unpack("<I", data[40:44])[0] == S16_STEREO.nbytes
    assert data[44:] == S16_STEREO.tobytes()
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (22050, 2, 2)
        assert reader.getnframes() == 3


@pytest.mark.parametrize(
    ("samples", "rate"),
    [
        pytest.param(np.array([0, 100, -100, 32767, -32768], dtype=np.int16), 16000, id="mono"),
        pytest.param(S16_STEREO, 44100, id="stereo"),
        pytest.param(np.zeros(0, dtype=np.int16), 8000, id="empty"),
    ],
)
def test_wav_round_trip_through_bytes(samples: np.ndarray[Any, Any], rate: int) -> None:
    back = PcmData.from_wav(PcmData(samples, rate).to_wav_bytes())
    assert back.sample_rate == rate
    assert back.format is AudioFormat.PCM_S16
    assert back.channels == (1 if samples.ndim == 1 else samples.shape[1])
    np.testing.assert_array_equal(back.samples, samples)


def test_wav_round_trip_through_a_file(tmp_path: Path) -> None:
    samples = (sine(440, 16000, 0.1) * 32767).astype(np.int16)
    path = tmp_path / "speech.wav"
    path.write_bytes(PcmData(samples, 16000).to_wav_bytes())
    for source in (path, str(path)):
        back = PcmData.from_wav(source)
        assert back.sample_rate == 16000
        np.testing.assert_array_equal(back.samples, samples)


def test_float_audio_is_written_as_16_bit_wav() -> None:
    pcm = PcmData(np.array([0.0, 0.5, -1.0, 2.0], dtype=np.float32), 8000, AudioFormat.PCM_F32)
    back = PcmData.from_wav(pcm.to_wav_bytes())
    assert back.format is AudioFormat.PCM_S16
    np.testing.assert_array_equal(back.samples, [0, 16384, -32768, 32767])


def test_wav_written_by_the_wave_module_is_read() -> None:
    frames = np.array([[10, 20], [30, 40]], dtype=np.int16).tobytes()
    back = PcmData.from_wav(wav_bytes(11025, 2, 2, frames))
    assert (back.sample_rate, back.channels, back.frame_count) == (11025, 2, 2)
    np.testing.assert_array_equal(back.samples, [[10, 20], [30, 40]])


@pytest.mark.parametrize(
    ("source", "match"),
    [
        pytest.param(b"not a wav file", r"^wav='14 bytes': not a readable WAV file \(", id="garbage"),
        pytest.param(b"", r"^wav='0 bytes': not a readable WAV file", id="empty"),
        pytest.param(
            b"RIFF\x00\x00\x00\x00WAVE", r"^wav='12 bytes': not a readable WAV file", id="truncated"
        ),
    ],
)
def test_from_wav_refuses_what_is_not_a_wav(source: bytes, match: str) -> None:
    with pytest.raises(AudioFormatError, match=match) as info:
        PcmData.from_wav(source)
    assert info.value.field == "wav"


def test_from_wav_refuses_a_file_that_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(AudioFormatError, match=rf"^wav='{path}': not a readable WAV file"):
        PcmData.from_wav(path)


@pytest.mark.parametrize(
    ("width", "bits"), [pytest.param(1, 8, id="8-bit"), pytest.param(3, 24, id="24-bit")]
)
def test_from_wav_refuses_other_sample_widths(width: int, bits: int) -> None:
    data = wav_bytes(8000, 1, width, b"\x80" * width * 4)
    with pytest.raises(
        AudioFormatError, match=rf"^wav='{len(data)} bytes': {bits}-bit samples; 16-bit needed$"
    ):
        PcmData.from_wav(data)


# ----------------------------------------------------------------------------- conversions


def test_to_float32_scales_by_32768() -> None:
    pcm = PcmData(np.array([0, 16384, -16384, -32768, 32767], dtype=np.int16), 16000)
    out = pcm.to_float32()
    assert out.format is AudioFormat.PCM_F32
    assert out.samples.dtype == np.float32
    assert out.sample_rate == 16000
    np.testing.assert_array_equal(
        out.samples, np.array([0, 0.5, -0.5, -1.0, 32767 / 32768], dtype=np.float32)
    )


def test_to_int16_scales_rounds_and_clips() -> None:
    pcm = PcmData(
        np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -7.0, 0.25], dtype=np.float32), 16000, AudioFormat.PCM_F32
    )
    out = pcm.to_int16()
    assert out.format is AudioFormat.PCM_S16
    assert out.samples.dtype == np.int16
    # x * 32768, the inverse of to_float32, clipped to the int16 range
    np.testing.assert_array_equal(out.samples, [0, 16384, -16384, 32767, -32768, 32767, -32768, 8192])


def test_to_int16_of_nan_or_inf_does_not_wrap_around() -> None:
    pcm = PcmData(np.array([np.inf, -np.inf, np.nan], dtype=np.float32), 16000, AudioFormat.PCM_F32)
    np.testing.assert_array_equal(pcm.to_int16().samples, [32767, -32768, 0])


def test_conversion_to_the_same_format_returns_the_same_object() -> None:
    s16 = PcmData(np.zeros(3, dtype=np.int16), 16000)
    f32 = PcmData(np.zeros(3, dtype=np.float32), 16000, AudioFormat.PCM_F32)
    assert s16.to_int16() is s16
    assert f32.to_float32() is f32


def test_conversions_keep_stereo_shape() -> None:
    pcm = PcmData(S16_STEREO, 16000)
    assert pcm.to_float32().samples.shape == (3, 2)
    assert pcm.to_float32().to_int16().channels == 2


def test_float_to_int16_to_float_is_within_one_step() -> None:
    samples = np.linspace(-1, 1, 1001, dtype=np.float32)
    back = PcmData(samples, 16000, AudioFormat.PCM_F32).to_int16().to_float32().samples
    assert np.max(np.abs(back - samples)) < 2 / 32768


def test_int16_to_float_to_int16_is_lossless() -> None:
    samples = np.array([32767, -32768, 16385, -20000, 100], dtype=np.int16)
    back = PcmData(samples, 16000).to_float32().to_int16()
    np.testing.assert_array_equal(back.samples, samples)


def test_to_mono_averages_channels_for_s16() -> None:
    pcm = PcmData(np.array([[100, 200], [-4, 2], [32767, 32767], [-32768, -32768]], dtype=np.int16), 8000)
    mono = pcm.to_mono()
    assert mono.channels == 1
    assert mono.samples.ndim == 1
    assert mono.format is AudioFormat.PCM_S16
    assert mono.sample_rate == 8000
    np.testing.assert_array_equal(mono.samples, [150, -1, 32767, -32768])


def test_to_mono_averages_channels_for_f32() -> None:
    mono = PcmData(F32_STEREO, 8000, AudioFormat.PCM_F32).to_mono()
    assert mono.format is AudioFormat.PCM_F32
    assert mono.samples.dtype == np.float32
    np.testing.assert_array_equal(mono.samples, [0.0, 0.0])
    left_only = PcmData(np.array([[1.0, 0.0]], dtype=np.float32), 8000, AudioFormat.PCM_F32).to_mono()
    np.testing.assert_array_equal(left_only.samples, [0.5])


def test_to_mono_of_mono_returns_the_same_object() -> None:
    pcm = PcmData(np.zeros(4, dtype=np.int16), 16000)
    assert pcm.to_mono() is pcm


# -------------------------------------------------------------------------------- resample


@pytest.mark.parametrize("fmt", [AudioFormat.PCM_F32, AudioFormat.PCM_S16], ids=["f32", "s16"])
def test_resample_22050_to_16000_keeps_frequency_length_ratio_and_level(fmt: AudioFormat) -> None:
    tone = sine(1000, 22050, 0.5)
    pcm = PcmData.from_array(tone, 22050)
    if fmt is AudioFormat.PCM_S16:
        pcm = pcm.to_int16()
    out = pcm.resample(16000)
    assert out.sample_rate == 16000
    assert out.format is fmt
    assert out.frame_count == round(len(tone) * 16000 / 22050) == 8000
    assert out.duration == pytest.approx(pcm.duration, abs=1e-4)
    assert peak_hz(out.samples, 16000) == pytest.approx(1000, abs=2)
    level = out.to_float32().samples if fmt is AudioFormat.PCM_S16 else out.samples
    assert np.sqrt(np.mean(level.astype(np.float64) ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_resample_of_a_tone_that_does_not_fit_the_window_keeps_its_frequency() -> None:
    tone = sine(1000, 22050, 0.3137)  # not a whole number of periods
    out = PcmData.from_array(tone, 22050).resample(16000)
    assert out.frame_count == round(len(tone) * 16000 / 22050)
    assert peak_hz(out.samples, 16000) == pytest.approx(1000, abs=5)


@pytest.mark.parametrize("seconds", [0.5, 0.3137], ids=["whole-periods", "partial-period"])
def test_downsampling_removes_a_tone_above_the_new_nyquist_instead_of_aliasing(seconds: float) -> None:
    tone = sine(7000, 22050, seconds)  # 7 kHz would alias to 1 kHz at 8 kHz sampling
    out = PcmData.from_array(tone, 22050).resample(8000)
    assert out.sample_rate == 8000
    assert band_rms(out.samples, 8000, 900, 1100) < 0.01 * 0.5 / np.sqrt(2)  # < 1 % of the input tone
    assert np.sqrt(np.mean(out.samples.astype(np.float64) ** 2)) < 0.01
    naive = tone[(np.arange(out.frame_count) * 22050 // 8000)]  # what plain decimation would do
    assert band_rms(naive, 8000, 900, 1100) > 0.3


def test_downsampling_keeps_a_tone_below_the_new_nyquist() -> None:
    tone = sine(1000, 48000, 0.2) + sine(7000, 48000, 0.2)
    out = PcmData.from_array(tone, 48000).resample(8000)
    assert peak_hz(out.samples, 8000) == pytest.approx(1000, abs=5)
    assert band_rms(out.samples, 8000, 900, 1100) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_upsampling_keeps_frequency_and_amplitude() -> None:
    out = PcmData.from_array(sine(1000, 8000, 0.25), 8000).resample(48000)
    assert out.frame_count == 12000
    assert peak_hz(out.samples, 48000) == pytest.approx(1000, abs=4)
    assert float(np.max(np.abs(out.samples))) == pytest.approx(0.5, abs=0.01)


def test_resample_stereo_keeps_channels_separate() -> None:
    stereo = np.stack([sine(1000, 22050, 0.5), sine(500, 22050, 0.5)], axis=1)
    out = PcmData.from_array(stereo, 22050).resample(16000)
    assert out.samples.shape == (8000, 2)
    assert peak_hz(out.samples[:, 0], 16000) == pytest.approx(1000, abs=2)
    assert peak_hz(out.samples[:, 1], 16000) == pytest.approx(500, abs=2)


def test_resample_s16_clips_overshoot_instead_of_wrapping() -> None:
    square = np.where(np.arange(441) % 50 < 25, 32767, -32768).astype(np.int16)  # Gibbs overshoot
    reference = PcmData(square.astype(np.float32), 44100, AudioFormat.PCM_F32).resample(16000).samples
    assert reference.max() > 32767 and reference.min() < -32768  # the band-limited signal overshoots
    out = PcmData(square, 44100).resample(16000).samples
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out[reference > 32767], 32767)
    np.testing.assert_array_equal(out[reference < -32768], -32768)
    inside = (reference > -32000) & (reference < 32000)
    assert np.max(np.abs(out[inside] - reference[inside])) <= 1


def test_resample_to_the_same_rate_returns_the_same_object() -> None:
    pcm = PcmData(np.zeros(10, dtype=np.int16), 16000)
    assert pcm.resample(16000) is pcm


def test_resample_of_empty_audio_only_changes_the_rate() -> None:
    out = PcmData(np.zeros(0, dtype=np.int16), 44100).resample(16000)
    assert (out.sample_rate, out.frame_count, out.format) == (16000, 0, AudioFormat.PCM_S16)


def test_resample_of_one_frame_gives_at_least_one_frame() -> None:
    out = PcmData(np.array([1000], dtype=np.int16), 48000).resample(8000)
    assert out.frame_count == 1


@pytest.mark.parametrize("rate", [0, -8000, 16000.0, True, "16000"], ids=["0", "neg", "float", "bool", "str"])
def test_resample_refuses_a_bad_target_rate(rate: Any) -> None:
    pcm = PcmData(np.zeros(4, dtype=np.int16), 16000)
    with pytest.raises(AudioFormatError, match=r"^target_rate=.*: must be a positive integer \(Hz\)$"):
        pcm.resample(rate)


# ---------------------------------------------------------------------------------- append


def test_append_concatenates_samples() -> None:
    a = PcmData(np.array([1, 2], dtype=np.int16), 16000)
    b = PcmData(np.array([3], dtype=np.int16), 16000)
    out = a.append(b)
    np.testing.assert_array_equal(out.samples, [1, 2, 3])
    assert (out.sample_rate, out.format, out.channels) == (16000, AudioFormat.PCM_S16, 1)
    np.testing.assert_array_equal(a.samples, [1, 2])  # the originals are untouched


def test_append_stereo() -> None:
    out = PcmData(S16_STEREO, 8000).append(PcmData(S16_STEREO[:1], 8000))
    assert out.samples.shape == (4, 2)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(PcmData(np.zeros(2, dtype=np.int16), 8000), id="rate"),
        pytest.param(PcmData(np.zeros(2, dtype=np.float32), 16000, AudioFormat.PCM_F32), id="format"),
        pytest.param(PcmData(np.zeros((2, 2), dtype=np.int16), 16000), id="channels"),
    ],
)
def test_append_refuses_mismatched_audio_naming_other(other: PcmData) -> None:
    base = PcmData(np.zeros(2, dtype=np.int16), 16000)
    with pytest.raises(
        AudioFormatError,
        match=r"^other='PcmData\(.*\)': must match sample_rate=16000, format=s16, channels=1$",
    ) as info:
        base.append(other)
    assert info.value.field == "other"


# -------------------------------------------------------------------------- construction


def test_from_array_picks_the_format_from_the_dtype() -> None:
    assert PcmData.from_array(np.zeros(3, dtype=np.int16), 16000).format is AudioFormat.PCM_S16
    assert PcmData.from_array(np.zeros(3, dtype=np.float32), 16000).format is AudioFormat.PCM_F32
    f64 = PcmData.from_array(np.array([0.25]), 16000)
    assert f64.format is AudioFormat.PCM_F32
    assert f64.samples.dtype == np.float32


def test_constructor_accepts_the_format_as_a_string() -> None:
    assert PcmData(np.zeros(2, dtype=np.float32), 16000, "f32").format is AudioFormat.PCM_F32  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 0),
            r"^sample_rate=0: must be a positive integer \(Hz\)$",
            id="rate-0",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), -1),
            r"^sample_rate=-1: must be a positive integer \(Hz\)$",
            id="rate-negative",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 16000.0),  # type: ignore[arg-type]
            r"^sample_rate=16000\.0: must be a positive integer",
            id="rate-float",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), True),
            r"^sample_rate=True: must be a positive integer",
            id="rate-bool",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 0),
            r"^sample_rate=0: must be a positive integer",
            id="from-bytes-rate-0",
        ),
        pytest.param(
            lambda: PcmData([0, 1], 16000),  # type: ignore[arg-type]
            r"^samples='list': must be a numpy array$",
            id="samples-list",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.float32), 16000),
            r"^samples='ndarray\(dtype=float32\)': format s16 needs dtype int16$",
            id="f32-samples-s16-format",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 16000, AudioFormat.PCM_F32),
            r"^samples='ndarray\(dtype=int16\)': format f32 needs dtype float32$",
            id="s16-samples-f32-format",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.float64), 16000, AudioFormat.PCM_F32),
            r"^samples='ndarray\(dtype=float64\)': format f32 needs dtype float32$",
            id="f64-samples-f32-format",
        ),
        pytest.param(
            lambda: PcmData(np.zeros((2, 2, 2), np.int16), 16000),
            r"^samples='ndarray\(shape=\(2, 2, 2\)\)': must be 1-D or \(frames, channels\)$",
            id="3-D",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 16000, AudioFormat.WAV),
            r"^format='wav': PcmData holds raw PCM: s16 or f32$",
            id="format-wav",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 16000, "flac"),  # type: ignore[arg-type]
            r"^format='flac': not an AudioFormat value \(s16, f32, wav, mp3, ogg\)$",
            id="format-unknown",
        ),
        pytest.param(
            lambda: PcmData.from_array(np.zeros(2, np.int32), 16000),
            r"^samples='ndarray\(dtype=int32\)': dtype must be int16, float32 or float64$",
            id="from-array-int32",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00\x00", 16000),
            r"^data='3 bytes': not a whole number of 2-byte frames$",
            id="odd-byte-count",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00" * 6, 16000, AudioFormat.PCM_F32),
            r"^data='6 bytes': not a whole number of 4-byte frames$",
            id="f32-partial-sample",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00" * 6, 16000, channels=2),
            r"^data='6 bytes': not a whole number of 4-byte frames$",
            id="stereo-partial-frame",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 16000, channels=0),
            r"^channels=0: must be a positive integer$",
            id="channels-0",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 999),
            r"^sample_rate=999: must be from 1000 to 384000 Hz$",
            id="rate-below-range",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 384_001),
            r"^sample_rate=384001: must be from 1000 to 384000 Hz$",
            id="rate-above-range",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 500),
            r"^sample_rate=500: must be from 1000 to 384000 Hz$",
            id="from-bytes-rate-below-range",
        ),
        pytest.param(
            lambda: PcmData(np.zeros((2, 33), np.int16), 16000),
            r"^channels=33: must be from 1 to 32$",
            id="33-channels",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00" * 66, 16000, channels=33),
            r"^channels=33: must be from 1 to 32$",
            id="from-bytes-33-channels",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 16000, channels=True),
            r"^channels=True: must be a positive integer$",
            id="from-bytes-channels-bool",
        ),
        pytest.param(
            lambda: PcmData(np.zeros(2, np.int16), 16000).resample(400_000),
            r"^target_rate=400000: must be from 1000 to 384000 Hz$",
            id="resample-above-range",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 16000, AudioFormat.MP3),
            r"^format='mp3': raw bytes must be s16 or f32 PCM$",
            id="from-bytes-mp3",
        ),
        pytest.param(
            lambda: PcmData.from_bytes(b"\x00\x00", 16000, "s24"),
            r"^format='s24': not an AudioFormat value",
            id="from-bytes-unknown-format",
        ),
    ],
)
def test_errors_name_the_field(call: Any, match: str) -> None:
    with pytest.raises(AudioFormatError, match=match):
        call()


def test_the_ends_of_the_ranges_are_accepted() -> None:
    assert PcmData(np.zeros(2, np.int16), 1000).sample_rate == 1000
    assert PcmData(np.zeros(2, np.int16), 384_000).sample_rate == 384_000
    assert PcmData.from_bytes(b"\x00\x00" * 32, 8000, channels=32).channels == 32
    assert PcmData(np.zeros(400, np.int16), 8000).resample(1000).frame_count == 50


# --------------------------------------------------------------------- repr and immutability


def test_repr_shows_shape_not_samples() -> None:
    pcm = PcmData(np.full(100_000, 12345, dtype=np.int16), 16000)
    assert repr(pcm) == "PcmData(frames=100000, sample_rate=16000, channels=1, format=s16)"
    assert "12345" not in repr(pcm)
    assert "12345" not in str(pcm)


def test_repr_of_stereo_float_audio() -> None:
    assert repr(PcmData(F32_STEREO, 48000, AudioFormat.PCM_F32)) == (
        "PcmData(frames=2, sample_rate=48000, channels=2, format=f32)"
    )


@pytest.mark.parametrize("name", ["samples", "sample_rate", "format"])
def test_pcm_data_is_frozen(name: str) -> None:
    pcm = PcmData(np.zeros(2, dtype=np.int16), 16000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(pcm, name, None)


def test_pcm_data_has_no_instance_dict() -> None:
    pcm = PcmData(np.zeros(2, dtype=np.int16), 16000)
    assert not hasattr(pcm, "__dict__")


def test_samples_read_from_bytes_are_read_only() -> None:
    pcm = PcmData.from_bytes(b"\x00\x00\x01\x00", 16000)
    assert not pcm.samples.flags.writeable
    with pytest.raises(ValueError):
        pcm.samples[0] = 1


def test_equality_is_identity_and_never_compares_arrays() -> None:
    a = PcmData(np.zeros(4, dtype=np.int16), 16000)
    b = PcmData(np.zeros(4, dtype=np.int16), 16000)
    assert a == a
    assert (a == b) is False  # no "truth value of an array is ambiguous"
