"""Audio sinks: where a pipeline's audio goes when it is not a device (null, memory, WAV file).

``write`` takes PcmData (any format, converted to int16 at the sink's rate and channel count) or raw
int16 bytes with their rate. A sink made without a rate or channel count takes the first chunk's.
Chunks at another rate are resampled as one stream (see :class:`StreamConformer`); ``drain`` and
``close`` flush what the resampler holds back.
"""

from __future__ import annotations

import wave
from abc import ABC, abstractmethod
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_format import AudioInput, StreamConformer, check_positive, check_rate
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError

__all__ = ["AudioSink", "MemorySink", "NullSink", "WavFileSink"]


class AudioSink(ABC):
    """Where audio goes. Subclasses store or play conformed int16 chunks in ``_write``; ``_drain`` and
    ``_close`` are theirs to override (a speaker waits for its device)."""

    def __init__(self, sample_rate: int | None = None, channels: int | None = None) -> None:
        self.sample_rate = None if sample_rate is None else check_rate("sample_rate", sample_rate)
        self.channels = None if channels is None else check_positive("channels", channels)
        self.bytes_written = 0
        self.chunks_written = 0
        self._closed = False
        self._conformer: StreamConformer | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def _to_pcm(self, audio: AudioInput, sample_rate: int | None) -> PcmData:
        """The chunk as PcmData (unconverted); the sink adopts its rate and channels if it has none."""
        if isinstance(audio, PcmData):
            if sample_rate is not None and sample_rate != audio.sample_rate:
                raise AudioFormatError("sample_rate", sample_rate, f"PcmData says {audio.sample_rate} Hz")
            pcm = audio
        elif isinstance(audio, bytes | bytearray | memoryview):
            rate = sample_rate if sample_rate is not None else self.sample_rate
            if rate is None:
                raise AudioFormatError("sample_rate", None, "raw bytes need their sample rate")
            pcm = PcmData.from_bytes(
                audio, check_rate("sample_rate", rate), AudioFormat.PCM_S16, self.channels or 1
            )
        else:
            raise AudioFormatError("audio", type(audio).__name__, "must be PcmData or int16 bytes")
        if self.sample_rate is None:
            self.sample_rate = pcm.sample_rate
        if self.channels is None:
            self.channels = pcm.channels
        return pcm

    def _conform(self, pcm: PcmData) -> list[PcmData]:
        if self._conformer is None:
            self._conformer = StreamConformer(self.sample_rate or pcm.sample_rate, self.channels or 1)
        return self._conformer.process(pcm)

    async def write(self, audio: AudioInput, sample_rate: int | None = None) -> None:
        """Accept one chunk (a resampled stream may hold a few samples back until ``drain``)."""
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        for piece in self._conform(self._to_pcm(audio, sample_rate)):
            await self._put(piece)
        self.chunks_written += 1

    async def _put(self, pcm: PcmData) -> None:
        await self._write(pcm)
        self.bytes_written += pcm.frame_count * pcm.channels * 2

    async def _flush(self) -> None:
        if self._conformer is not None:
            for piece in self._conformer.flush():
                await self._put(piece)

    @abstractmethod
    async def _write(self, pcm: PcmData) -> None:
        """Store or play one conformed int16 chunk."""

    async def drain(self) -> None:
        """Wait until what was written has reached its destination (played, for a speaker)."""
        if self._closed:
            return
        await self._flush()
        await self._drain()

    async def _drain(self) -> None:  # noqa: B027 - a no-op for sinks that store synchronously
        """What ``drain`` waits for once the resampler's tail was written."""

    async def close(self) -> None:
        """Write what the resampler holds, then release the sink; later writes are refused."""
        if self._closed:
            return
        await self._flush()
        self._closed = True
        await self._close()

    async def _close(self) -> None:  # noqa: B027 - nothing to release for sinks in memory
        """Release what the sink holds (a file, a device)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sample_rate={self.sample_rate}, channels={self.channels}, "
            f"bytes_written={self.bytes_written}, closed={self._closed})"
        )


class NullSink(AudioSink):
    """Discards audio and counts it: the output that always exists. It converts nothing, so costs nothing."""

    def __init__(self, sample_rate: int | None = None, channels: int | None = None) -> None:
        super().__init__(sample_rate, channels)
        self.duration_s = 0.0

    def _conform(self, pcm: PcmData) -> list[PcmData]:
        return [pcm.to_int16()]

    async def _write(self, pcm: PcmData) -> None:
        self.duration_s += pcm.duration


class MemorySink(AudioSink):
    """Keeps the newest chunks in memory, at most ``max_bytes`` of int16 PCM; older audio is dropped and
    counted in ``dropped_bytes``, so that a long session recorded for the inspector cannot exhaust memory."""

    def __init__(
        self, max_bytes: int = 16 * 1024 * 1024, sample_rate: int | None = None, channels: int | None = None
    ) -> None:
        super().__init__(sample_rate, channels)
        self.max_bytes = check_positive("max_bytes", max_bytes)
        self.dropped_bytes = 0
        self._chunks: deque[PcmData] = deque()
        self._size = 0

    @property
    def size_bytes(self) -> int:
        return self._size

    @property
    def chunks(self) -> list[PcmData]:
        return list(self._chunks)

    async def _write(self, pcm: PcmData) -> None:
        frame_bytes = 2 * pcm.channels
        if pcm.frame_count * frame_bytes > self.max_bytes:  # keep the newest whole frames that fit
            keep = self.max_bytes // frame_bytes
            self.dropped_bytes += (pcm.frame_count - keep) * frame_bytes
            pcm = PcmData(pcm.samples[pcm.frame_count - keep :], pcm.sample_rate, pcm.format)
        self._chunks.append(pcm)
        self._size += pcm.frame_count * frame_bytes
        while self._size > self.max_bytes:
            old = self._chunks.popleft()
            old_bytes = old.frame_count * 2 * old.channels
            self._size -= old_bytes
            self.dropped_bytes += old_bytes

    def pcm(self) -> PcmData:
        """Everything kept, as one PcmData (empty at the sink's rate, or 16 kHz, if nothing was written)."""
        rate = self.sample_rate or 16000
        if not self._chunks:
            shape = (0,) if (self.channels or 1) == 1 else (0, self.channels or 1)
            return PcmData(np.zeros(shape, np.int16), rate, AudioFormat.PCM_S16)
        return PcmData(np.concatenate([c.samples for c in self._chunks]), rate, AudioFormat.PCM_S16)

    def to_bytes(self) -> bytes:
        return b"".join(c.to_bytes() for c in self._chunks)

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0


class WavFileSink(AudioSink):
    """Streams 16-bit PCM into a WAV file; the header's sizes are fixed on close.

    A file never closed keeps a zero-length header, which most players still read; a sink closed with nothing
    written leaves an empty, valid WAV. Writes go to the OS page cache directly: a few KiB per chunk, too
    small to be worth a thread.
    """

    def __init__(self, path: str | Path, sample_rate: int | None = None, channels: int | None = None) -> None:
        super().__init__(sample_rate, channels)
        self.path = Path(path)
        self._wav: wave.Wave_write | None = None
        if self.sample_rate is not None:
            self._open(self.sample_rate, self.channels or 1)

    def _open(self, sample_rate: int, channels: int) -> wave.Wave_write:
        wav = wave.open(str(self.path), "wb")
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        self._wav = wav
        return wav

    async def _write(self, pcm: PcmData) -> None:
        wav = self._wav or self._open(pcm.sample_rate, pcm.channels)
        wav.writeframesraw(pcm.to_bytes())

    async def _close(self) -> None:
        wav = self._wav or self._open(self.sample_rate or 16000, self.channels or 1)
        wav.close()  # patches the RIFF and data sizes
