"""Tests of plugins_core.subscription: bounded, loss-counting async feeds of registered events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

import pytest

from plugins_core import (
    EventFilter,
    EventRegistry,
    EventType,
    RegisteredEvent,
    STTErrorEvent,
    STTTranscriptEvent,
    Subscription,
    SubscriptionBatch,
    TTSAudioEvent,
)


def _tx(text: str = "hello", *, session: str | None = None) -> STTTranscriptEvent:
    return STTTranscriptEvent(text=text, session_id=session)


def _texts(entries: list[RegisteredEvent]) -> list[str]:
    return [e.event.text for e in entries if isinstance(e.event, STTTranscriptEvent)]


def _seqs(entries: list[RegisteredEvent]) -> list[int]:
    return [entry.seq for entry in entries]


def _wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll from a plain thread until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.001)


async def _until_waiting(sub: Subscription) -> None:
    """Yield to the loop until the consumer is parked on its waiter."""
    for _ in range(1_000):
        if sub._waiter is not None:
            return
        await asyncio.sleep(0)
    raise AssertionError("the consumer never waited")


def _run_thread(target: Callable[[], object]) -> list[BaseException]:
    """Run ``target`` in a new thread to completion; returns what it raised."""
    failures: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # pragma: no cover - returned to the test
            failures.append(exc)

    thread = threading.Thread(target=guarded)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    return failures


# --------------------------------------------------------------------------------------- consuming


@pytest.mark.asyncio
async def test_async_iteration_yields_events_in_order() -> None:
    registry = EventRegistry()
    registry.register_event(_tx("before"))  # not replayed: a subscription sees what comes after it
    sub = registry.subscribe()
    events = [_tx(f"e{i}") for i in range(5)]
    for event in events:
        registry.register_event(event)
    received: list[RegisteredEvent] = []
    async for entry in sub:
        received.append(entry)
        if len(received) == 5:
            break
    assert [entry.event for entry in received] == events
    assert _seqs(received) == [2, 3, 4, 5, 6]
    assert sub.delivered == 5
    assert sub.queued == 0
    sub.close()


@pytest.mark.asyncio
async def test_get_batch_returns_up_to_max_items() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    for i in range(25):
        registry.register_event(_tx(f"e{i}"))
    sizes: list[int] = []
    seen: list[int] = []
    for _ in range(3):
        batch = await sub.get_batch(max_items=10, timeout=1.0)
        assert isinstance(batch, SubscriptionBatch)
        assert batch.dropped == 0
        assert batch.closed is False
        sizes.append(len(batch.items))
        seen += _seqs(batch.items)
    assert sizes == [10, 10, 5]
    assert seen == list(range(1, 26))
    sub.close()


@pytest.mark.asyncio
async def test_get_batch_timeout_returns_an_empty_batch() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    start = time.monotonic()
    batch = await sub.get_batch(timeout=0.05)
    assert time.monotonic() - start < 2.0
    assert batch == SubscriptionBatch(items=[], dropped=0, closed=False)
    # after a timeout the subscription still works, also when woken from another thread
    threading.Timer(0.02, registry.register_event, args=(_tx("late"),)).start()
    batch = await sub.get_batch(timeout=5.0)
    assert _texts(batch.items) == ["late"]
    sub.close()


@pytest.mark.asyncio
async def test_take_nowait_returns_what_is_queued() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    assert sub.take_nowait() == SubscriptionBatch()
    for i in range(4):
        registry.register_event(_tx(f"e{i}"))
    assert sub.queued == 4
    assert _seqs(sub.take_nowait(max_items=3).items) == [1, 2, 3]
    assert _seqs(sub.take_nowait().items) == [4]
    assert sub.take_nowait().items == []
    sub.close()


@pytest.mark.asyncio
async def test_bounded_queue_keeps_the_newest_and_counts_drops() -> None:
    registry = EventRegistry()
    sub = registry.subscribe(max_queue=100)
    assert sub.max_queue == 100
    for i in range(1_000):
        registry.register_event(_tx(f"e{i}"))
    assert sub.queued == 100
    assert sub.dropped == 900
    assert registry.get_statistics()["subscriber_dropped_events"] == 900
    batch = await sub.get_batch(max_items=1_000, timeout=1.0)
    assert _seqs(batch.items) == list(range(901, 1_001))
    assert batch.dropped == 900
    nothing = await sub.get_batch(timeout=0.01)
    assert nothing.items == [] and nothing.dropped == 0  # reported once
    assert sub.dropped == 900  # the total stays
    sub.close()


@pytest.mark.asyncio
async def test_drops_are_reported_once_with_small_batches() -> None:
    registry = EventRegistry()
    sub = registry.subscribe(max_queue=100)
    for i in range(1_000):
        registry.register_event(_tx(f"e{i}"))
    batches = [await sub.get_batch(max_items=30, timeout=1.0) for _ in range(4)]
    assert [b.dropped for b in batches] == [900, 0, 0, 0]
    assert [len(b.items) for b in batches] == [30, 30, 30, 10]
    assert [seq for b in batches for seq in _seqs(b.items)] == list(range(901, 1_001))
    assert sub.delivered == 100
    sub.close()


@pytest.mark.asyncio
async def test_subscriber_queue_default_comes_from_the_registry() -> None:
    registry = EventRegistry(subscriber_queue=7)
    sub = registry.subscribe()
    assert sub.max_queue == 7
    for i in range(10):
        registry.register_event(_tx(f"e{i}"))
    assert sub.queued == 7 and sub.dropped == 3
    sub.close()


@pytest.mark.asyncio
async def test_registration_from_another_thread_wakes_the_consumer() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()

    def producer() -> None:
        _wait_until(lambda: sub._waiter is not None)  # the consumer is parked on the loop
        registry.register_event(_tx("from a thread"))

    thread = threading.Thread(target=producer)
    thread.start()
    batch = await asyncio.wait_for(sub.get_batch(), timeout=5.0)
    thread.join()
    assert _texts(batch.items) == ["from a thread"]
    sub.close()


@pytest.mark.asyncio
async def test_async_for_receives_everything_registered_from_threads() -> None:
    threads_n, per_thread = 4, 500
    registry = EventRegistry()
    sub = registry.subscribe(max_queue=threads_n * per_thread)
    barrier = threading.Barrier(threads_n)

    def producer(k: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            registry.register_event(_tx(f"t{k}-{i}", session=f"s{k}"))
            if i % 50 == 0:
                time.sleep(0)  # let the consumer interleave

    threads = [threading.Thread(target=producer, args=(k,)) for k in range(threads_n)]
    for thread in threads:
        thread.start()

    async def consume() -> list[RegisteredEvent]:
        out: list[RegisteredEvent] = []
        async for entry in sub:
            out.append(entry)
            if len(out) == threads_n * per_thread:
                break
        return out

    received = await asyncio.wait_for(consume(), timeout=10.0)
    for thread in threads:
        thread.join()
    assert _seqs(received) == list(range(1, threads_n * per_thread + 1))  # in registration order
    for k in range(threads_n):
        assert [t for t in _texts(received) if t.startswith(f"t{k}-")] == [
            f"t{k}-{i}" for i in range(per_thread)
        ]
    assert sub.dropped == 0
    sub.close()


@pytest.mark.asyncio
async def test_registration_on_the_loop_wakes_a_waiting_consumer() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    consumer = asyncio.ensure_future(sub.get_batch())
    await _until_waiting(sub)
    registry.register_event(_tx("same thread"))
    batch = await asyncio.wait_for(consumer, timeout=5.0)
    assert _texts(batch.items) == ["same thread"]
    sub.close()


@pytest.mark.asyncio
async def test_a_cancelled_consumer_leaves_the_subscription_usable() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    consumer = asyncio.ensure_future(sub.get_batch())
    await _until_waiting(sub)
    consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
    assert _run_thread(lambda: registry.register_event(_tx("after cancel"))) == []
    batch = await asyncio.wait_for(sub.get_batch(), timeout=5.0)
    assert _texts(batch.items) == ["after cancel"]
    assert not sub.closed
    sub.close()


@pytest.mark.asyncio
async def test_subscription_filter() -> None:
    registry = EventRegistry()
    wanted = EventFilter(event_types=[EventType.STT_TRANSCRIPT], session_ids=["a"])
    sub = registry.subscribe(wanted, max_queue=3)
    assert sub.filter is wanted
    registry.register_event(_tx("a1", session="a"))
    for i in range(10):  # none of these match, so none of them take room or cause drops
        registry.register_event(_tx(f"b{i}", session="b"))
        registry.register_event(STTErrorEvent(session_id="a"))
        registry.register_event(TTSAudioEvent(audio_data=b"\x00\x00", session_id="a"))
    registry.register_event(_tx("a2", session="a"))
    batch = await sub.get_batch(timeout=1.0)
    assert _texts(batch.items) == ["a1", "a2"]
    assert _seqs(batch.items) == [1, 32]
    assert batch.dropped == 0 and sub.dropped == 0
    sub.close()


@pytest.mark.asyncio
async def test_independent_subscribers_do_not_affect_each_other() -> None:
    registry = EventRegistry()
    slow = registry.subscribe(max_queue=5)
    fast = registry.subscribe(max_queue=100)
    for i in range(50):
        registry.register_event(_tx(f"e{i}"))
    fast_batch = await fast.get_batch(timeout=1.0)
    assert len(fast_batch.items) == 50 and fast_batch.dropped == 0
    assert slow.queued == 5 and slow.dropped == 45
    assert registry.get_statistics()["subscriber_dropped_events"] == 45
    slow.close()
    fast.close()


# ----------------------------------------------------------------------------------------- closing


@pytest.mark.asyncio
async def test_close_ends_async_for() -> None:
    registry = EventRegistry()
    sub = registry.subscribe()
    received: list[RegisteredEvent] = []

    async def consume() -> None:
        async for entry in sub:
            received.append(entry)
            if len(received) == 2:
                sub.close()  # closing from inside the loop body ends the iteration

    for i in range(2):
        registry.register_event(_tx(f"e{i}"))
    await asyncio.wait_for(consume(), timeout=5.0)
    assert _texts(received) == ["e0", "e1"]
    assert sub.closed


@pytest.mark.asyncio
async def test_close_wakes_a_waiting_consumer() -> None:
    registry = EventRegistry()
    on_loop = registry.subscribe()
    off_loop = registry.subscribe()

    async def drain(sub: Subscription) -> list[RegisteredEvent]:
        return [entry async for entry in sub]

    first = asyncio.ensure_future(drain(on_loop))
    second = asyncio.ensure_future(drain(off_loop))
    await _until_waiting(on_loop)
    await _until_waiting(off_loop)
    on_loop.close()  # from the loop's thread
    assert _run_thread(off_loop.close) == []  # from another thread
    assert await asyncio.wait_for(first, timeout=5.0) == []
    assert await asyncio.wait_for(second, timeout=5.0) == []
    batch = await asyncio.wait_for(on_loop.get_batch(), timeout=5.0)
    assert batch.closed and batch.items == []


@pytest.mark.asyncio
async def test_closed_subscription_receives_nothing_and_leaves_the_stats() -> None:
    registry = EventRegistry()
    closing = registry.subscribe(max_queue=10)
    staying = registry.subscribe(max_queue=10)
    assert registry.get_statistics()["subscriptions"] == 2
    for i in range(15):
        registry.register_event(_tx(f"e{i}"))
    assert closing.dropped == 5 and staying.dropped == 5
    closing.close()
    closing.close()  # idempotent
    stats = registry.get_statistics()
    assert stats["subscriptions"] == 1
    assert stats["subscriber_dropped_events"] == 10  # the closed one's drops still count
    for i in range(3):
        registry.register_event(_tx(f"later{i}"))
    assert closing.queued == 0 and closing.dropped == 5
    assert staying.dropped == 8
    assert registry.get_statistics()["subscriber_dropped_events"] == 13
    staying.close()
    stats = registry.get_statistics()
    assert stats["subscriptions"] == 0
    assert stats["subscriber_dropped_events"] == 13
    assert (await closing.get_batch(timeout=1.0)).closed


@pytest.mark.asyncio
async def test_async_with_closes_the_subscription() -> None:
    registry = EventRegistry()
    async with registry.subscribe() as sub:
        registry.register_event(_tx("inside"))
        assert _texts((await sub.get_batch(timeout=1.0)).items) == ["inside"]
        assert registry.get_statistics()["subscriptions"] == 1
    assert sub.closed
    assert registry.get_statistics()["subscriptions"] == 0


def test_subscribe_needs_a_loop() -> None:
    registry = EventRegistry()
    with pytest.raises(RuntimeError):
        registry.subscribe()  # no running loop and none given
    assert registry.get_statistics()["subscriptions"] == 0


@pytest.mark.asyncio
async def test_invalid_queue_bound_is_refused() -> None:
    registry = EventRegistry()
    with pytest.raises(ValueError):
        registry.subscribe(max_queue=-1)
    assert registry.get_statistics()["subscriptions"] == 0


@pytest.mark.asyncio
async def test_zero_queue_bound_is_refused() -> None:
    registry = EventRegistry()
    with pytest.raises(ValueError):
        registry.subscribe(max_queue=0).close()


# --------------------------------------------------------------------------------- dead event loops


async def _subscribe_and_wait(
    registry: EventRegistry,
) -> tuple[Subscription, asyncio.Future[SubscriptionBatch]]:
    sub = registry.subscribe()
    consumer = asyncio.ensure_future(sub.get_batch())
    await _until_waiting(sub)
    return sub, consumer


def test_subscription_on_a_closed_loop_does_not_break_registration(caplog: pytest.LogCaptureFixture) -> None:
    registry = EventRegistry()
    loop = asyncio.new_event_loop()
    try:
        sub, consumer = loop.run_until_complete(_subscribe_and_wait(registry))
        consumer.cancel()  # what asyncio.run() does to pending tasks on the way out
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(consumer)
    finally:
        loop.close()
    assert registry.get_statistics()["subscriptions"] == 1

    def produce() -> None:
        for i in range(20):
            registry.register_event(_tx(f"e{i}"))

    with caplog.at_level(logging.WARNING, logger="plugins_core.subscription"):
        failures = _run_thread(produce)
    assert failures == []
    assert len(registry) == 20
    assert sub.closed
    assert registry.get_statistics()["subscriptions"] == 0
    warnings = [r for r in caplog.records if r.name == "plugins_core.subscription"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "closed" in warnings[0].getMessage()


def test_subscription_on_a_closed_loop_without_a_waiting_consumer_is_closed() -> None:
    registry = EventRegistry()
    loop = asyncio.new_event_loop()

    async def subscribe() -> Subscription:
        # the closed loop is noticed when the queue is full: it holds at most max_queue meanwhile
        return registry.subscribe(max_queue=10)

    try:
        sub = loop.run_until_complete(subscribe())
    finally:
        loop.close()

    def produce() -> None:
        for i in range(20):
            registry.register_event(_tx(f"e{i}"))

    assert _run_thread(produce) == []
    assert len(registry) == 20
    assert sub.closed
    assert registry.get_statistics()["subscriptions"] == 0


@pytest.mark.asyncio
async def test_subscription_made_off_loop_is_woken_by_its_creating_thread() -> None:
    loop = asyncio.get_running_loop()
    registry = EventRegistry()
    made = threading.Event()
    go = threading.Event()
    holder: list[Subscription] = []
    failures: list[BaseException] = []

    def producer() -> None:
        try:
            holder.append(registry.subscribe(loop=loop))  # e.g. the audio thread subscribing for a UI loop
            made.set()
            go.wait(5.0)
            registry.register_event(_tx("from the creating thread"))
        except BaseException as exc:  # pragma: no cover - checked below
            failures.append(exc)

    thread = threading.Thread(target=producer)
    thread.start()
    await asyncio.to_thread(made.wait, 5.0)
    sub = holder[0]
    consumer = asyncio.ensure_future(sub.get_batch())
    await _until_waiting(sub)
    start = time.monotonic()
    go.set()
    done, _ = await asyncio.wait({consumer}, timeout=1.0)
    elapsed = time.monotonic() - start
    await asyncio.to_thread(thread.join, 5.0)
    if not consumer.done():
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
    sub.close()
    assert failures == []
    assert consumer in done
    assert elapsed < 0.5


# ----------------------------------------------------------------------------------- backpressure


@pytest.mark.asyncio
async def test_stalled_subscriber_never_blocks_the_emitter() -> None:
    total = 100_000
    registry = EventRegistry(max_events=1_000)
    stalled = registry.subscribe(max_queue=100)  # never read at all
    parked = registry.subscribe(max_queue=100)  # read once, then never again
    first = asyncio.ensure_future(parked.get_batch(max_items=1))
    await _until_waiting(parked)
    peak = 0

    def produce() -> None:
        nonlocal peak
        for i in range(total):
            registry.register_event(STTTranscriptEvent(text="x"))
            if i % 5_000 == 0:
                peak = max(peak, stalled.queued, parked.queued)

    start = time.monotonic()
    await asyncio.wait_for(asyncio.to_thread(produce), timeout=20.0)
    elapsed = time.monotonic() - start
    assert len((await asyncio.wait_for(first, timeout=5.0)).items) == 1
    assert elapsed < 15.0
    assert peak <= 100
    assert stalled.queued == 100 and stalled.dropped == total - 100
    assert parked.queued <= 100
    assert parked.dropped == total - 1 - parked.queued
    stats = registry.get_statistics()
    assert stats["total_registered"] == total
    assert stats["subscriber_dropped_events"] == stalled.dropped + parked.dropped
    # the newest events are the ones kept
    assert _seqs(stalled.take_nowait(max_items=100).items) == list(range(total - 99, total + 1))
    stalled.close()
    parked.close()
