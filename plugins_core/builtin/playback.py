"""Playback: a pipeline's audio played at real time, as a speaker consumes it, with a report of the
moment each chunk really goes out.

A TTS makes audio faster than real time; what the user hears starts when the output plays it, and a
reply lasts as long as its audio. Playback queues the chunks (bounded: ``max_buffer_ms``; a producer
that fills it waits in :meth:`wait_for_space`), plays them one after another on the loop's clock into
any sink (even the null sink, which would otherwise take a whole reply at once), and calls its
listeners as each chunk starts: that is when a pipeline reports ``audio_output``. A device's own
output latency (a :class:`SpeakerSink`'s ``latency``) is added to the reported moment.

``realtime=False`` plays as fast as the loop runs (for tests that want order, not pacing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugins_core.audio import PcmData
from plugins_core.tts import AudioOutput

__all__ = ["PlayedChunk", "Playback"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlayedChunk:
    """A chunk that started playing: ``label`` says what it belongs to (a synthesis id), ``index`` its
    place in that label's audio, ``started_at`` the loop time it was heard (output latency included)."""

    pcm: PcmData
    label: str | None
    index: int
    context: Any
    started_at: float


@dataclass(slots=True)
class _Queued:
    pcm: PcmData
    label: str | None
    context: Any


class Playback:
    """Plays into ``sink`` (None: nowhere, at the same pace) at real time; see the module docstring."""

    def __init__(
        self,
        sink: AudioOutput | None = None,
        *,
        realtime: bool = True,
        max_buffer_ms: int = 5000,
        latency_s: float | None = None,
    ) -> None:
        if isinstance(max_buffer_ms, bool) or not isinstance(max_buffer_ms, int) or max_buffer_ms <= 0:
            raise ValueError(f"max_buffer_ms={max_buffer_ms!r}: must be a positive integer")
        self.sink = sink
        self.realtime = realtime
        self.max_buffer_ms = max_buffer_ms
        self.latency_s = float(getattr(sink, "latency", 0.0) or 0.0) if latency_s is None else latency_s
        self.chunks_started = 0
        self.played_ms = 0.0
        self.dropped_chunks = 0  # cleared before they played (barge-in)
        self.sink_errors = 0
        self.listener_errors = 0
        self._listeners: list[Callable[[PlayedChunk], Any]] = []
        self._queue: deque[_Queued] = deque()
        self._queued_ms = 0.0
        self._next: _Queued | None = None  # taken from the queue, waiting for its start or being played
        self._generation = 0  # clear() moves it on: a chunk taken before is not played
        self._clock = 0.0  # loop time at which the chunk playing now ends
        self._loop: asyncio.AbstractEventLoop | None = None
        self._label: str | None = None
        self._label_index = 0
        self._task: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._space: asyncio.Event | None = None
        self._closed = False

    def add_listener(self, callback: Callable[[PlayedChunk], Any]) -> None:
        """Call ``callback(chunk)`` on the loop as each chunk starts playing (failures are logged)."""
        self._listeners.append(callback)

    # ------------------------------------------------------------------------------- state

    @property
    def queued_ms(self) -> float:
        """Audio waiting to be played (the chunk playing now not included)."""
        return self._queued_ms + (self._next.pcm.duration_ms if self._next is not None else 0.0)

    @property
    def busy(self) -> bool:
        """Audio is queued or still playing."""
        if self._queue or self._next is not None:
            return True
        return self.realtime and self._loop is not None and self._loop.time() < self._clock

    # ------------------------------------------------------------------------------- input

    def submit(self, pcm: PcmData, *, label: str | None = None, context: Any = None) -> None:
        """Queue one chunk to play after what is queued; never waits (see :meth:`wait_for_space`)."""
        if self._closed:
            raise RuntimeError("Playback is closed")
        if pcm.frame_count == 0:
            return
        self._start()
        self._queue.append(_Queued(pcm, label, context))
        self._queued_ms += pcm.duration_ms
        assert self._wakeup is not None and self._idle is not None and self._space is not None
        self._idle.clear()
        if self._queued_ms > self.max_buffer_ms:
            self._space.clear()
        self._wakeup.set()

    async def wait_for_space(self) -> None:
        """Return once at most ``max_buffer_ms`` of audio is queued: backpressure for a fast producer."""
        while self._space is not None and not self._space.is_set() and not self._closed:
            await self._space.wait()

    async def write(self, pcm: PcmData) -> None:
        """:class:`AudioOutput`: wait for space, then queue the chunk (with no label)."""
        await self.wait_for_space()
        self.submit(pcm)

    def clear(self) -> int:
        """Drop what is queued (barge-in); the chunk playing now ends as scheduled. Returns the count."""
        dropped = len(self._queue) + (self._next is not None)
        self._queue.clear()
        self._queued_ms = 0.0
        self._next = None
        self._generation += 1
        self.dropped_chunks += dropped
        if self._space is not None:
            self._space.set()
        if self._wakeup is not None:
            self._wakeup.set()
        return dropped

    async def drain(self) -> None:
        """Wait until everything queued has been played (and reported)."""
        while self._idle is not None and not self._idle.is_set() and self._task is not None:
            await self._idle.wait()
        if self.latency_s > 0 and self.chunks_started:
            await asyncio.sleep(self.latency_s)  # the last report is due after the device's latency

    async def close(self) -> None:
        """Stop playing (queued audio is dropped; ``drain`` first to play it). The sink stays open."""
        self._closed = True
        self._queue.clear()
        self._next = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for event in (self._idle, self._space):
            if event is not None:
                event.set()

    # ------------------------------------------------------------------------------- playing

    def _start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        loop = self._loop = asyncio.get_running_loop()
        if self._wakeup is None:
            self._wakeup, self._idle, self._space = asyncio.Event(), asyncio.Event(), asyncio.Event()
            self._space.set()
        self._task = loop.create_task(self._run(), name="playback")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wakeup is not None and self._idle is not None and self._space is not None
        while True:
            if not self._queue:
                remaining = self._clock - loop.time() if self.realtime else 0.0
                self._wakeup.clear()
                if remaining > 0:  # the last chunk is still playing; new audio joins right after it
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), remaining)
                    continue
                self._idle.set()
                await self._wakeup.wait()
                continue
            item = self._next = self._queue.popleft()
            generation = self._generation
            self._queued_ms = max(0.0, self._queued_ms - item.pcm.duration_ms)
            if self._queued_ms <= self.max_buffer_ms:
                self._space.set()
            now = loop.time()
            start = max(now, self._clock) if self.realtime else now
            if start > now:
                await asyncio.sleep(start - now)  # until the chunk playing now ends: no gap, no drift
            if generation != self._generation:
                continue  # cleared while it waited
            self._clock = start + item.pcm.duration if self.realtime else start
            await self._play(item, start, loop)
            self._next = None
            if not self.realtime:
                await asyncio.sleep(0)  # let the producer and listeners run between chunks

    async def _play(self, item: _Queued, start: float, loop: asyncio.AbstractEventLoop) -> None:
        if item.label != self._label:
            self._label, self._label_index = item.label, 0
        chunk = PlayedChunk(item.pcm, item.label, self._label_index, item.context, start + self.latency_s)
        self._label_index += 1
        self.chunks_started += 1
        self.played_ms += item.pcm.duration_ms
        if self.sink is not None:
            try:
                await self.sink.write(item.pcm)
            except Exception:
                self.sink_errors += 1
                logger.exception("Playback: the sink %r refused a chunk", self.sink)
        if self.latency_s > 0:
            loop.call_at(chunk.started_at, self._notify, chunk)
        else:
            self._notify(chunk)

    def _notify(self, chunk: PlayedChunk) -> None:
        for listener in self._listeners:
            try:
                listener(chunk)
            except Exception:
                self.listener_errors += 1
                logger.exception("Playback: listener %r failed", listener)

    def __repr__(self) -> str:
        return (
            f"Playback(sink={self.sink!r}, realtime={self.realtime}, chunks_started={self.chunks_started}, "
            f"queued_ms={self.queued_ms:.0f})"
        )
