"""SpeakerSink: a PortAudio output stream fed by blocking writes on one writer thread, so the event
loop never waits on the sound card."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any, Final

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_format import check_positive, check_rate
from plugins_core.builtin.portaudio import (
    AudioDeviceUnavailable,
    Device,
    load_sounddevice,
    open_stream,
    wake_threadsafe,
)
from plugins_core.builtin.sinks import AudioSink

__all__ = ["SpeakerSink"]

logger = logging.getLogger(__name__)


class SpeakerSink(AudioSink):
    """A PortAudio output stream fed by blocking writes on one writer thread, so the event loop never blocks.

    ``write`` queues the chunk (waiting only when more than ``max_buffer_ms`` is queued: backpressure for
    producers faster than real time); ``drain`` waits until PortAudio reports everything played; ``clear``
    drops queued audio at once (barge-in); ``close`` lets queued audio finish, then closes the stream. The
    stream is stopped (played out) after ``idle_stop_ms`` without data, so pauses between utterances are not
    reported as underflows. Every PortAudio call on the stream happens on the writer thread.
    """

    _BLOCK_MS: Final = 20  # write granularity: how soon clear() takes effect mid-chunk

    def __init__(
        self,
        device: Device = None,
        sample_rate: int = 22050,
        channels: int = 1,
        latency: str | float = "low",
        *,
        max_buffer_ms: int | None = 5000,
        idle_stop_ms: int = 200,
    ) -> None:
        super().__init__(check_rate("sample_rate", sample_rate), check_positive("channels", channels))
        self.device = device
        self.max_buffer_ms = max_buffer_ms
        self.idle_stop_s = idle_stop_ms / 1000
        self.underflows = 0
        self.bytes_played = 0
        self.error: BaseException | None = None
        sd = load_sounddevice()
        self._stream = open_stream(
            "output",
            device,
            sd.RawOutputStream,
            samplerate=sample_rate,
            channels=channels,
            dtype="int16",
            latency=latency,
        )
        self.latency = float(self._stream.latency)
        self._frame_bytes = 2 * channels
        self._block_bytes = max(1, sample_rate * self._BLOCK_MS // 1000) * self._frame_bytes
        self._limit_bytes = (
            None if max_buffer_ms is None else sample_rate * max_buffer_ms // 1000 * self._frame_bytes
        )
        self._lock = threading.Lock()
        self._generation = 0
        self._pending_bytes = 0
        self._space_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"SpeakerSink({device!r})", daemon=True)
        self._thread.start()

    @property
    def pending_bytes(self) -> int:
        """Bytes queued but not yet handed to PortAudio."""
        with self._lock:
            return self._pending_bytes

    async def _write(self, pcm: PcmData) -> None:
        self._raise_error()
        data = pcm.to_bytes()
        loop = asyncio.get_running_loop()
        with self._lock:
            self._pending_bytes += len(data)
            self._queue.put(("data", self._generation, data))
            space: asyncio.Future[None] | None = None
            if self._limit_bytes is not None and self._pending_bytes > self._limit_bytes:
                space = loop.create_future()
                self._space_waiters.append((loop, space))
        if space is not None:
            await space

    async def _drain(self) -> None:
        """Return once all written audio was played (PortAudio's stop waits for the device's buffer)."""
        await self._command("drain")
        self._raise_error()

    def clear(self) -> None:
        """Drop queued audio and cut what is playing (barge-in); later writes play normally."""
        if self._conformer is not None:
            self._conformer.flush()  # a resampled tail of the cut audio is not played either
        with self._lock:
            self._generation += 1
        self._queue.put(("clear",))

    async def _close(self) -> None:
        """Play out what is queued (clear() first to cut it), close the stream, end the writer thread."""
        await self._command("close")
        await asyncio.to_thread(self._thread.join)

    async def _command(self, kind: str) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((kind, loop, done))
        await done

    def _raise_error(self) -> None:
        if self.error is not None:
            raise AudioDeviceUnavailable(f"output device {self.device!r} failed: {self.error}")

    # ---------------------------------------------------------------------------- writer thread

    def _run(self) -> None:
        active = False
        while True:
            try:
                item = self._queue.get(timeout=self.idle_stop_s if active else None)
            except queue.Empty:  # idle: let the device play out and stop, rather than underflow
                active = self._stop(active, abort=False)
                continue
            kind = item[0]
            if kind == "data":
                active = self._play(item[1], item[2], active)
            elif kind == "clear":
                active = self._stop(active, abort=True)
            else:
                active = self._stop(active, abort=False)
                if kind == "close":
                    self._guard(self._stream.close)
                wake_threadsafe(item[1], item[2])
                if kind == "close":
                    return

    def _play(self, generation: int, data: bytes, active: bool) -> bool:
        try:
            for offset in range(0, len(data), self._block_bytes):
                if generation != self._generation or self.error is not None:
                    break  # cleared: skip the rest (the clear item then aborts the stream)
                if not active:
                    self._stream.start()
                    active = True
                block = data[offset : offset + self._block_bytes]
                if self._stream.write(block):
                    self.underflows += 1
                self.bytes_played += len(block)
        except Exception as exc:  # device gone: remember, and let the async side raise it
            self.error = exc
            logger.error("SpeakerSink(%r): write failed: %s", self.device, exc)
        finally:
            self._release(len(data))
        return active

    def _release(self, nbytes: int) -> None:
        with self._lock:
            self._pending_bytes -= nbytes
            waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
            if self._limit_bytes is None or self._pending_bytes <= self._limit_bytes:
                waiters, self._space_waiters = self._space_waiters, []
        for loop, future in waiters:
            wake_threadsafe(loop, future)

    def _stop(self, active: bool, *, abort: bool) -> bool:
        if active:
            self._guard(self._stream.abort if abort else self._stream.stop)
        return False

    def _guard(self, call: Any) -> None:
        try:
            call()
        except Exception as exc:
            self.error = self.error or exc
            logger.error("SpeakerSink(%r): %s failed: %s", self.device, getattr(call, "__name__", call), exc)
