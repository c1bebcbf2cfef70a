"""PcmData: raw PCM audio as a numpy array plus what is needed to read it.

Plugins exchange audio as PcmData; events store it as bytes. Samples are 1-D for mono and
``(frames, channels)`` for more channels (interleaved, as PortAudio and WAV files lay them out).
Sample rates are integers from 1,000 to 384,000 Hz and channel counts from 1 to 32, the ranges
events accept. Resampling is soxr's (libsoxr, "high quality"); chunked streams go through
:class:`plugins_core.resample.StreamResampler`.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError

__all__ = ["MAX_CHANNELS", "MAX_SAMPLE_RATE", "MIN_SAMPLE_RATE", "PcmData", "check_sample_rate"]

#: The sample rates and channel counts audio may have (the ranges events accept).
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, MAX_CHANNELS = 1_000, 384_000, 32

_DTYPES: dict[AudioFormat, Any] = {AudioFormat.PCM_S16: np.int16, AudioFormat.PCM_F32: np.float32}


def check_sample_rate(name: str, value: Any) -> int:
    """``value`` if it is an integer sample rate from 1,000 to 384,000 Hz; else AudioFormatError."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError(name, value, "must be a positive integer (Hz)")
    if not MIN_SAMPLE_RATE <= value <= MAX_SAMPLE_RATE:
        raise AudioFormatError(name, value, f"must be from {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz")
    return value


def _check_channels(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError("channels", value, "must be a positive integer")
    if value > MAX_CHANNELS:
        raise AudioFormatError("channels", value, f"must be from 1 to {MAX_CHANNELS}")
    return value


@dataclass(frozen=True, slots=True, eq=False)
class PcmData:
    """Audio samples with their sample rate; immutable so that it can be shared across threads."""

    samples: np.ndarray[Any, Any]
    sample_rate: int
    format: AudioFormat = AudioFormat.PCM_S16

    def __post_init__(self) -> None:
        check_sample_rate("sample_rate", self.sample_rate)
        if not isinstance(self.samples, np.ndarray):
            raise AudioFormatError("samples", type(self.samples).__name__, "must be a numpy array")
        fmt = self.format if isinstance(self.format, AudioFormat) else _parse_format(self.format)
        object.__setattr__(self, "format", fmt)
        if fmt not in _DTYPES:
            raise AudioFormatError("format", fmt.value, "PcmData holds raw PCM: s16 or f32")
        if self.samples.dtype != _DTYPES[fmt]:
            raise AudioFormatError(
                "samples",
                f"ndarray(dtype={self.samples.dtype})",
                f"format {fmt.value} needs dtype {np.dtype(_DTYPES[fmt])}",
            )
        if self.samples.ndim not in (1, 2):
            raise AudioFormatError(
                "samples", f"ndarray(shape={self.samples.shape})", "must be 1-D or (frames, channels)"
            )
        if self.samples.ndim == 2:
            _check_channels(int(self.samples.shape[1]))

    # ------------------------------------------------------------------------------ constructors

    @classmethod
    def from_array(cls, samples: np.ndarray[Any, Any], sample_rate: int) -> PcmData:
        """From int16 or float samples; float64 becomes float32, other dtypes are refused."""
        if samples.dtype == np.float64:
            samples = samples.astype(np.float32)
        if samples.dtype == np.int16:
            return cls(samples, sample_rate, AudioFormat.PCM_S16)
        if samples.dtype == np.float32:
            return cls(samples, sample_rate, AudioFormat.PCM_F32)
        raise AudioFormatError(
            "samples", f"ndarray(dtype={samples.dtype})", "dtype must be int16, float32 or float64"
        )

    @classmethod
    def from_bytes(
        cls,
        data: bytes | bytearray | memoryview,
        sample_rate: int,
        format: AudioFormat | str = AudioFormat.PCM_S16,
        channels: int = 1,
    ) -> PcmData:
        """From interleaved PCM bytes (copied, so the caller may reuse its buffer)."""
        fmt = _parse_format(format)
        if fmt not in _DTYPES:
            raise AudioFormatError("format", fmt.value, "raw bytes must be s16 or f32 PCM")
        _check_channels(channels)
        width = np.dtype(_DTYPES[fmt]).itemsize * channels
        if len(data) % width:
            raise AudioFormatError("data", f"{len(data)} bytes", f"not a whole number of {width}-byte frames")
        samples = np.frombuffer(bytes(data), dtype=_DTYPES[fmt])
        if channels > 1:
            samples = samples.reshape(-1, channels)
        return cls(samples, sample_rate, fmt)

    @classmethod
    def from_wav(cls, source: bytes | str | Path) -> PcmData:
        """From a 16-bit PCM WAV file or its bytes."""
        try:
            handle = wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb")
        except (wave.Error, EOFError) as exc:
            raise AudioFormatError("wav", _describe(source), f"not a readable WAV file ({exc})") from None
        with handle:
            if handle.getsampwidth() != 2:
                raise AudioFormatError(
                    "wav", _describe(source), f"{8 * handle.getsampwidth()}-bit samples; 16-bit needed"
                )
            frames = handle.readframes(handle.getnframes())
            return cls.from_bytes(frames, handle.getframerate(), AudioFormat.PCM_S16, handle.getnchannels())

    # ------------------------------------------------------------------------------- properties

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])

    @property
    def frame_count(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.frame_count / self.sample_rate

    @property
    def duration_ms(self) -> float:
        return self.frame_count * 1000.0 / self.sample_rate

    def __len__(self) -> int:
        return self.frame_count

    def __repr__(self) -> str:  # never print the samples: a long array makes logging slow and huge
        return (
            f"PcmData(frames={self.frame_count}, sample_rate={self.sample_rate}, "
            f"channels={self.channels}, format={self.format.value})"
        )

    # ------------------------------------------------------------------------------ conversions

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.samples).tobytes()

    def to_int16(self) -> PcmData:
        if self.format is AudioFormat.PCM_S16:
            return self
        # the inverse of to_float32 (x / 32768), so that s16 -> f32 -> s16 is lossless
        finite = np.nan_to_num(self.samples.astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
        scaled = np.clip(np.round(finite * 32768.0), -32768, 32767)
        return PcmData(scaled.astype(np.int16), self.sample_rate, AudioFormat.PCM_S16)

    def to_float32(self) -> PcmData:
        if self.format is AudioFormat.PCM_F32:
            return self
        return PcmData(self.samples.astype(np.float32) / 32768.0, self.sample_rate, AudioFormat.PCM_F32)

    def to_mono(self) -> PcmData:
        if self.channels == 1:
            return self
        mixed = self.samples.astype(np.float32).mean(axis=1)
        if self.format is AudioFormat.PCM_S16:
            return PcmData(mixed.round().astype(np.int16), self.sample_rate, self.format)
        return PcmData(mixed.astype(np.float32), self.sample_rate, self.format)

    def to_wav_bytes(self) -> bytes:
        """A 16-bit PCM WAV file (float audio is converted), playable by any browser."""
        pcm = self.to_int16()
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(pcm.channels)
            out.setsampwidth(2)
            out.setframerate(pcm.sample_rate)
            out.writeframes(pcm.to_bytes())
        return buffer.getvalue()

    def resample(self, target_rate: int) -> PcmData:
        """Band-limited resampling (soxr, high quality), so that downsampling for a 16 kHz recognizer
        does not alias. For one whole buffer: a stream resampled chunk by chunk this way clicks at
        every chunk edge; use :class:`~plugins_core.resample.StreamResampler` for streams."""
        check_sample_rate("target_rate", target_rate)
        if target_rate == self.sample_rate:
            return self
        if self.frame_count == 0:
            return PcmData(self.samples, target_rate, self.format)
        source = np.ascontiguousarray(self.samples, dtype=np.float32)  # exact for int16 samples
        out = soxr.resample(source, self.sample_rate, target_rate, quality="HQ")
        wanted = max(1, round(self.frame_count * target_rate / self.sample_rate))
        if out.shape[0] < wanted:  # shorter than one output period: hold the last input sample
            out = np.concatenate([out, np.repeat(source[-1:], wanted - out.shape[0], axis=0)])
        return _from_float(out[:wanted], target_rate, self.format)

    def append(self, other: PcmData) -> PcmData:
        """These samples followed by ``other``'s (same rate, format and channels)."""
        if (other.sample_rate, other.format, other.channels) != (
            self.sample_rate,
            self.format,
            self.channels,
        ):
            raise AudioFormatError(
                "other",
                repr(other),
                f"must match sample_rate={self.sample_rate}, format={self.format.value}, "
                f"channels={self.channels}",
            )
        return PcmData(np.concatenate([self.samples, other.samples]), self.sample_rate, self.format)


def _from_float(samples: np.ndarray[Any, Any], rate: int, fmt: AudioFormat) -> PcmData:
    """PcmData in ``fmt`` from float samples on its scale (int16 range for s16: rounded, clipped)."""
    if fmt is AudioFormat.PCM_S16:
        return PcmData(np.clip(np.round(samples), -32768, 32767).astype(np.int16), rate, fmt)
    return PcmData(samples.astype(np.float32, copy=False), rate, fmt)


def _parse_format(value: AudioFormat | str) -> AudioFormat:
    if isinstance(value, AudioFormat):
        return value
    try:
        return AudioFormat(value)
    except ValueError:
        raise AudioFormatError(
            "format", value, "not an AudioFormat value (s16, f32, wav, mp3, ogg)"
        ) from None


def _describe(source: bytes | str | Path) -> str:
    return f"{len(source)} bytes" if isinstance(source, bytes) else str(source)
