"""plugins_core.builtin.playback: audio played at real time into any sink, each chunk reported as it
starts. Timing is checked as lower bounds (a busy machine only adds delay) and as the schedule the
playback computed, never as wall-clock ceilings."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.builtin import MemorySink, NullSink, Playback, PlayedChunk

RATE = 16000


def chunk(ms: int, value: int = 0) -> PcmData:
    return PcmData(np.full(RATE * ms // 1000, value, np.int16), RATE)


@pytest.mark.asyncio
async def test_chunks_play_one_after_another_at_real_time_and_are_reported_as_they_start() -> None:
    sink = MemorySink()
    playback = Playback(sink)
    heard: list[PlayedChunk] = []
    playback.add_listener(heard.append)
    begin = asyncio.get_running_loop().time()
    for k in range(5):
        playback.submit(chunk(60, k), label="reply-1", context={"user": "u"})
    assert playback.busy and playback.queued_ms > 0
    await playback.drain()
    elapsed = asyncio.get_running_loop().time() - begin

    assert not playback.busy and playback.chunks_started == 5 and playback.played_ms == 300
    assert [c.index for c in heard] == [0, 1, 2, 3, 4]
    assert {c.label for c in heard} == {"reply-1"} and heard[0].context == {"user": "u"}
    assert [int(c.pcm.samples[0]) for c in heard] == [0, 1, 2, 3, 4]
    starts = [c.started_at for c in heard]
    # each chunk starts when the one before has played out (60 ms later), never sooner
    assert all(b - a >= 0.060 - 1e-9 for a, b in zip(starts, starts[1:], strict=False))
    assert elapsed >= 0.300 - 0.005, "draining waits for the last chunk to play out"
    assert np.array_equal(sink.pcm().samples, np.concatenate([chunk(60, k).samples for k in range(5)]))


@pytest.mark.asyncio
async def test_the_null_sink_is_paced_too() -> None:
    sink = NullSink()
    playback = Playback(sink)
    started = time.monotonic()
    for _ in range(4):
        await playback.write(chunk(50))
    written_after = time.monotonic() - started
    await playback.drain()
    assert time.monotonic() - started >= 0.200 - 0.005
    assert written_after < 0.200, "writes queue (the buffer holds 5 s): the producer runs ahead"
    assert sink.duration_s == pytest.approx(0.2)


@pytest.mark.asyncio
async def test_without_realtime_chunks_play_at_once_in_order() -> None:
    sink = MemorySink()
    playback = Playback(sink, realtime=False)
    heard: list[str | None] = []
    playback.add_listener(lambda c: heard.append(c.label))
    for label in ["a", "a", "b"]:
        playback.submit(chunk(500), label=label)
    await playback.drain()
    assert heard == ["a", "a", "b"] and sink.pcm().duration == pytest.approx(1.5)


@pytest.mark.asyncio
async def test_a_full_buffer_holds_the_producer_back() -> None:
    playback = Playback(NullSink(), max_buffer_ms=100)
    highest = 0.0
    for _ in range(8):
        await playback.write(chunk(40))
        highest = max(highest, playback.queued_ms)
    await playback.drain()
    # at most the bound, the chunk that crossed it, and the next one waiting for its start time
    assert highest <= 100 + 40 + 40
    assert playback.chunks_started == 8


@pytest.mark.asyncio
async def test_clear_drops_what_is_queued_and_later_audio_plays() -> None:
    sink = MemorySink()
    playback = Playback(sink)
    for k in range(10):
        playback.submit(chunk(100, k))
    await asyncio.sleep(0.05)
    dropped = playback.clear()
    assert dropped >= 8 and playback.dropped_chunks == dropped and playback.queued_ms == 0
    playback.submit(chunk(20, 99))
    await playback.drain()
    values = [int(c.samples[0]) for c in sink.chunks]
    assert values[-1] == 99 and len(values) == 10 - dropped + 1


@pytest.mark.asyncio
async def test_a_failing_listener_or_sink_is_counted_and_playback_goes_on() -> None:
    class BrokenSink:
        async def write(self, pcm: PcmData) -> None:
            raise OSError("device gone")

    playback = Playback(BrokenSink(), realtime=False)
    heard: list[int] = []

    def broken(_: PlayedChunk) -> None:
        raise ValueError("listener bug")

    playback.add_listener(broken)
    playback.add_listener(lambda c: heard.append(c.index))
    for _ in range(3):
        playback.submit(chunk(10))
    await playback.drain()
    assert heard == [0, 1, 2]
    assert (playback.sink_errors, playback.listener_errors) == (3, 3)


@pytest.mark.asyncio
async def test_the_output_latency_of_a_device_is_added_to_the_reported_start() -> None:
    class SlowDevice(NullSink):
        latency = 0.05

    playback = Playback(SlowDevice())
    assert playback.latency_s == 0.05
    heard: list[float] = []
    playback.add_listener(lambda c: heard.append(asyncio.get_running_loop().time() - c.started_at))
    begin = asyncio.get_running_loop().time()
    playback.submit(chunk(20))
    await playback.drain()
    assert len(heard) == 1 and heard[0] >= -0.002, "reported once the device has played it"
    assert asyncio.get_running_loop().time() - begin >= 0.05


@pytest.mark.asyncio
async def test_close_stops_and_refuses_more_audio() -> None:
    playback = Playback(NullSink())
    playback.submit(chunk(1000))
    playback.submit(chunk(1000))
    await playback.close()
    await playback.drain()  # returns at once: nothing is playing any more
    with pytest.raises(RuntimeError, match="closed"):
        playback.submit(chunk(10))
    with pytest.raises(ValueError, match="max_buffer_ms"):
        Playback(max_buffer_ms=0)
