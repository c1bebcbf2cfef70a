"""Audio sources for a voice pipeline: audio in memory, WAV files and synthetic audio, as a microphone
would deliver them.

A source is an async iterator of fixed-size int16 :class:`PcmData` chunks (20 ms of 16 kHz mono by
default, the frame size VADs and recognizers want). A generated source in real time hands each
chunk out when a microphone would, on an absolute schedule; otherwise as fast as it is read.
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_format import check_positive, check_rate, conform
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError

__all__ = ["AudioSource", "GeneratedSource", "PcmSource", "SyntheticSource", "WavFileSource"]


class AudioSource(ABC):
    """Fixed-size int16 chunks as an async iterator: ``async with source: async for chunk in source: ...``."""

    def __init__(self, sample_rate: int, channels: int, chunk_ms: int) -> None:
        self.sample_rate = check_rate("sample_rate", sample_rate)
        self.channels = check_positive("channels", channels)
        self.chunk_ms = check_positive("chunk_ms", chunk_ms)
        self.chunk_frames = max(1, round(sample_rate * chunk_ms / 1000))
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @abstractmethod
    async def read(self) -> PcmData | None:
        """The next chunk of exactly ``chunk_frames`` frames, or None once exhausted or closed."""

    async def close(self) -> None:
        """Release the source; later reads return None."""
        self._closed = True

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PcmData:
        chunk = await self.read()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sample_rate={self.sample_rate}, channels={self.channels}, "
            f"chunk_ms={self.chunk_ms}, closed={self._closed})"
        )


class GeneratedSource(AudioSource):
    """A source that computes chunk ``i`` on demand.

    In real time it hands each chunk out when a microphone would (once its last sample would have been
    recorded), on an absolute schedule so that pacing never drifts.
    """

    def __init__(self, sample_rate: int, channels: int, chunk_ms: int, realtime: bool) -> None:
        super().__init__(sample_rate, channels, chunk_ms)
        self.realtime = realtime
        self._index = 0
        self._started_at: float | None = None

    @abstractmethod
    def _chunk(self, index: int) -> PcmData | None:
        """Chunk ``index`` or None past the end."""

    async def read(self) -> PcmData | None:
        if self._closed:
            return None
        chunk = self._chunk(self._index)
        if chunk is None:
            return None
        self._index += 1
        if self.realtime:
            loop = asyncio.get_running_loop()
            if self._started_at is None:
                self._started_at = loop.time()
            due = self._started_at + self._index * self.chunk_frames / self.sample_rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        return None if self._closed else chunk


class PcmSource(GeneratedSource):
    """Audio already in memory (a TTS result, a test signal) streamed as if it came from a microphone.

    The audio is converted once, up front: whole-signal resampling has none of the edge clicks that
    chunk-by-chunk resampling would add. The last chunk is padded with zeros, because VADs take exact frames.
    """

    def __init__(
        self,
        pcm: PcmData,
        chunk_ms: int = 20,
        realtime: bool = True,
        *,
        sample_rate: int = 16000,
        channels: int = 1,
        trailing_silence_ms: int = 0,
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms, realtime)
        if (
            isinstance(trailing_silence_ms, bool)
            or not isinstance(trailing_silence_ms, int)
            or trailing_silence_ms < 0
        ):
            raise AudioFormatError(
                "trailing_silence_ms", trailing_silence_ms, "must be a non-negative integer"
            )
        samples = conform(pcm, sample_rate, channels).samples
        pad = (-len(samples)) % self.chunk_frames
        silence_frames = (
            math.ceil(sample_rate * trailing_silence_ms / 1000 / self.chunk_frames) * self.chunk_frames
        )
        if pad or silence_frames:
            samples = np.concatenate(
                [samples, np.zeros((pad + silence_frames, *samples.shape[1:]), np.int16)]
            )
        self.source_frames = pcm.frame_count
        self._samples = samples
        self.total_chunks = len(samples) // self.chunk_frames

    @property
    def duration(self) -> float:
        """Seconds of audio the source yields, padding and trailing silence included."""
        return len(self._samples) / self.sample_rate

    def _chunk(self, index: int) -> PcmData | None:
        if index >= self.total_chunks:
            return None
        start = index * self.chunk_frames
        return PcmData(
            self._samples[start : start + self.chunk_frames], self.sample_rate, AudioFormat.PCM_S16
        )


class WavFileSource(PcmSource):
    """A 16-bit WAV file played as a microphone would deliver it (or as fast as possible with realtime=False).

    The whole file is read at construction, so a missing or unreadable file fails here, not mid-stream; voice
    prompts are short enough for that.
    """

    def __init__(
        self,
        path: str | Path,
        chunk_ms: int = 20,
        realtime: bool = True,
        *,
        sample_rate: int = 16000,
        channels: int = 1,
        trailing_silence_ms: int = 0,
    ) -> None:
        self.path = Path(path)
        pcm = PcmData.from_wav(self.path)
        self.file_sample_rate = pcm.sample_rate
        super().__init__(
            pcm,
            chunk_ms,
            realtime,
            sample_rate=sample_rate,
            channels=channels,
            trailing_silence_ms=trailing_silence_ms,
        )


class SyntheticSource(GeneratedSource):
    """Silence or a sine tone, endless or of a set duration: the input that exists when nothing else does."""

    def __init__(
        self,
        kind: str = "silence",
        *,
        frequency: float = 440.0,
        amplitude: float = 0.3,
        duration_s: float | None = None,
        sample_rate: int = 16000,
        channels: int = 1,
        chunk_ms: int = 20,
        realtime: bool = True,
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms, realtime)
        if kind not in ("silence", "tone"):
            raise AudioFormatError("kind", kind, "must be 'silence' or 'tone'")
        if not 0.0 <= amplitude <= 1.0:
            raise AudioFormatError("amplitude", amplitude, "must be within [0, 1] (full scale)")
        if kind == "tone" and not 0.0 < frequency < sample_rate / 2:
            raise AudioFormatError("frequency", frequency, f"must be within (0, {sample_rate / 2}) Hz")
        if duration_s is not None and not duration_s >= 0:
            raise AudioFormatError("duration_s", duration_s, "must be >= 0 seconds, or None for endless")
        self.kind = kind
        self.frequency = frequency
        self.amplitude = amplitude
        self.duration_s = duration_s
        self.total_chunks = (
            None if duration_s is None else math.ceil(duration_s * sample_rate / self.chunk_frames)
        )

    def _chunk(self, index: int) -> PcmData | None:
        if self.total_chunks is not None and index >= self.total_chunks:
            return None
        shape = (self.chunk_frames,) if self.channels == 1 else (self.chunk_frames, self.channels)
        if self.kind == "silence":
            return PcmData(np.zeros(shape, np.int16), self.sample_rate, AudioFormat.PCM_S16)
        # the phase comes from the absolute sample index, so that chunks join without clicks
        n = np.arange(index * self.chunk_frames, (index + 1) * self.chunk_frames, dtype=np.float64)
        wave_ = np.round(
            self.amplitude * 32767.0 * np.sin(2.0 * np.pi * self.frequency * n / self.sample_rate)
        )
        samples = wave_.astype(np.int16)
        if self.channels > 1:
            samples = np.repeat(samples[:, None], self.channels, axis=1)
        return PcmData(samples, self.sample_rate, AudioFormat.PCM_S16)
