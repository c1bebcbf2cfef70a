"""MicrophoneSource: a PortAudio input stream as an audio source.

PortAudio calls back on its own thread; chunks reach the event loop through a bounded, lock-protected
buffer (dropping the oldest when the consumer is slow), and the loop is woken with
``call_soon_threadsafe`` only when a reader waits.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any, Self

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_format import check_positive
from plugins_core.builtin.portaudio import Device, load_sounddevice, open_stream, wake, wake_threadsafe
from plugins_core.builtin.sources import AudioSource
from plugins_core.events import AudioFormat

__all__ = ["MicrophoneSource"]


class MicrophoneSource(AudioSource):
    """A PortAudio input stream; capture starts at ``async with`` or on the first read.

    PortAudio's callback thread pushes each chunk into a buffer of at most ``max_queue_chunks`` chunks; when
    the consumer falls behind, the oldest chunks are dropped (``dropped_chunks``), since a voice pipeline
    wants the newest audio and bounded memory. Overflows reported by PortAudio itself count in ``overflows``.
    The buffer is bounded on the audio thread, so a stalled event loop cannot make memory grow either.
    """

    def __init__(
        self,
        device: Device = None,
        sample_rate: int = 16000,
        chunk_ms: int = 20,
        max_queue_chunks: int = 50,
        *,
        channels: int = 1,
        latency: str | float = "low",
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms)
        self.max_queue_chunks = check_positive("max_queue_chunks", max_queue_chunks)
        self.device = device
        self.dropped_chunks = 0
        self.overflows = 0
        self.chunks_captured = 0
        self._lock = threading.Lock()
        self._buffer: deque[bytes] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._started = False
        sd = load_sounddevice()
        self._stream = open_stream(
            "input",
            device,
            sd.RawInputStream,
            samplerate=sample_rate,
            blocksize=self.chunk_frames,
            channels=channels,
            dtype="int16",
            latency=latency,
            callback=self._callback,
        )
        self.latency = float(self._stream.latency)

    async def start(self) -> None:
        """Start capturing (idempotent); chunks captured before the first read wait in the buffer."""
        if self._started or self._closed:
            return
        self._loop = asyncio.get_running_loop()
        self._started = True
        self._stream.start()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    @property
    def queued_chunks(self) -> int:
        with self._lock:
            return len(self._buffer)

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's thread: copy, bound, and wake the loop only when a reader waits (not per chunk)."""
        data = bytes(indata)
        with self._lock:
            if self._closed:  # PortAudio may call back until its stream has stopped
                return
            self.chunks_captured += 1
            if status.input_overflow:
                self.overflows += 1
            if len(self._buffer) >= self.max_queue_chunks:
                self._buffer.popleft()
                self.dropped_chunks += 1
            self._buffer.append(data)
            waiter, self._waiter = self._waiter, None
        if waiter is not None and self._loop is not None:
            wake_threadsafe(self._loop, waiter)

    async def read(self) -> PcmData | None:
        if not self._started:
            await self.start()
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._closed:
                    return None
                if self._buffer:
                    data = self._buffer.popleft()
                    return PcmData.from_bytes(data, self.sample_rate, AudioFormat.PCM_S16, self.channels)
                waiter = self._waiter = loop.create_future()
            await waiter

    async def close(self) -> None:
        """Stop the stream off the event loop (PortAudio joins its thread) and end the iteration."""
        if self._closed:
            return
        with self._lock:
            self._closed = True
            self._buffer.clear()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            wake(waiter)
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        if self._started:
            self._stream.stop()
        self._stream.close()
