"""Tests of plugins_core.emitter.EventEmitter: registration, ordering, async handlers, failures,
cross-thread emits, a closed loop and sticky events."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest

from plugins_core.emitter import EventEmitter


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    """Let the loop run until ``predicate()`` is true (callbacks queued from threads need a turn)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.001)


# ------------------------------------------------------------------------------------ registration


def test_on_as_decorator_registers_and_returns_the_handler() -> None:
    emitter = EventEmitter()
    got: list[Any] = []

    @emitter.on("ping")
    def handler(value: Any) -> None:
        got.append(value)

    assert callable(handler)
    assert emitter.listeners("ping") == [handler]
    assert emitter.emit("ping", 1) is True
    assert got == [1]


def test_on_as_call_registers_and_returns_the_handler() -> None:
    emitter = EventEmitter()
    got: list[Any] = []

    def handler(a: Any, b: Any) -> None:
        got.append((a, b))

    assert emitter.on("ping", handler) is handler
    assert emitter.has_listeners("ping")
    emitter.emit("ping", "x", "y")
    assert got == [("x", "y")]


def test_on_refuses_a_non_callable_handler() -> None:
    emitter = EventEmitter()
    with pytest.raises(TypeError, match="callable"):
        emitter.on("ping", 42)  # type: ignore[call-overload]


def test_emit_without_handlers_returns_false() -> None:
    emitter = EventEmitter()
    assert emitter.emit("nobody") is False
    assert not emitter.has_listeners("nobody")
    assert emitter.listeners("nobody") == []


def test_sync_handlers_run_in_registration_order() -> None:
    emitter = EventEmitter()
    order: list[str] = []
    emitter.on("e", lambda: order.append("a"))
    emitter.on("e", lambda: order.append("b"))
    emitter.on("e", lambda: order.append("c"))
    emitter.emit("e")
    emitter.emit("e")
    assert order == ["a", "b", "c", "a", "b", "c"]


def test_handlers_of_other_names_are_not_called() -> None:
    emitter = EventEmitter()
    got: list[str] = []
    emitter.on("a", lambda: got.append("a"))
    emitter.on("b", lambda: got.append("b"))
    emitter.emit("a")
    assert got == ["a"]


def test_remove_listener_removes_one_registration() -> None:
    emitter = EventEmitter()
    got: list[int] = []

    def handler(value: int) -> None:
        got.append(value)

    emitter.on("e", handler)
    emitter.on("e", handler)
    assert emitter.remove_listener("e", handler) is True
    emitter.emit("e", 1)
    assert got == [1]
    assert emitter.remove_listener("e", handler) is True
    assert emitter.emit("e", 2) is False
    assert got == [1]
    assert not emitter.has_listeners("e")


def test_remove_listener_returns_false_when_absent() -> None:
    emitter = EventEmitter()

    def handler() -> None: ...

    def other() -> None: ...

    assert emitter.remove_listener("e", handler) is False
    emitter.on("e", other)
    assert emitter.remove_listener("e", handler) is False
    assert emitter.remove_listener("other-name", other) is False
    assert emitter.listeners("e") == [other]


def test_remove_all_listeners_of_one_name_or_all() -> None:
    emitter = EventEmitter()
    emitter.on("a", lambda: None)
    emitter.on("b", lambda: None)
    emitter.remove_all_listeners("a")
    assert not emitter.has_listeners("a")
    assert emitter.has_listeners("b")
    emitter.remove_all_listeners()
    assert not emitter.has_listeners("b")


def test_handler_removed_during_emit_still_gets_that_emit_but_not_the_next() -> None:
    emitter = EventEmitter()
    got: list[str] = []

    def second() -> None:
        got.append("second")

    def first() -> None:
        got.append("first")
        emitter.remove_listener("e", second)

    emitter.on("e", first)
    emitter.on("e", second)
    emitter.emit("e")
    emitter.emit("e")
    assert got == ["first", "second", "first"]


# ---------------------------------------------------------------------------------- async handlers


@pytest.mark.asyncio
async def test_async_handler_runs_as_a_task_and_wait_for_handlers_awaits_it() -> None:
    emitter = EventEmitter()
    done: list[int] = []

    @emitter.on("e")
    async def handler(value: int) -> None:
        await asyncio.sleep(0.01)
        done.append(value)

    assert emitter.emit("e", 7) is True
    assert done == []  # scheduled, not run inline
    await emitter.wait_for_handlers(timeout=2)
    assert done == [7]


@pytest.mark.asyncio
async def test_wait_for_handlers_also_awaits_handlers_started_by_handlers() -> None:
    emitter = EventEmitter()
    done: list[str] = []

    @emitter.on("first")
    async def first() -> None:
        await asyncio.sleep(0.005)
        emitter.emit("second")

    @emitter.on("second")
    async def second() -> None:
        await asyncio.sleep(0.005)
        done.append("second")

    emitter.emit("first")
    await emitter.wait_for_handlers(timeout=2)
    assert done == ["second"]


@pytest.mark.asyncio
async def test_wait_for_handlers_with_nothing_pending_returns() -> None:
    emitter = EventEmitter()
    await emitter.wait_for_handlers(timeout=1)


@pytest.mark.asyncio
async def test_wait_for_handlers_times_out() -> None:
    emitter = EventEmitter()
    release = asyncio.Event()

    @emitter.on("e")
    async def slow() -> None:
        await release.wait()

    emitter.emit("e")
    with pytest.raises(TimeoutError):
        await emitter.wait_for_handlers(timeout=0.02)
    release.set()
    await emitter.wait_for_handlers(timeout=2)


@pytest.mark.asyncio
async def test_sync_and_async_handlers_mixed() -> None:
    emitter = EventEmitter()
    got: list[str] = []

    @emitter.on("e")
    async def a(value: str) -> None:
        got.append("async:" + value)

    @emitter.on("e")
    def s(value: str) -> None:
        got.append("sync:" + value)

    emitter.emit("e", "x")
    assert got == ["sync:x"]
    await emitter.wait_for_handlers(timeout=2)
    assert sorted(got) == ["async:x", "sync:x"]


def test_async_handler_with_no_loop_anywhere_runs_to_completion() -> None:
    emitter = EventEmitter()
    done: list[int] = []

    @emitter.on("e")
    async def handler(value: int) -> None:
        await asyncio.sleep(0)
        done.append(value)

    emitter.emit("e", 3)
    assert done == [3]


# -------------------------------------------------------------------------------------- failures


def test_failing_sync_handler_is_logged_counted_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emitter = EventEmitter()
    got: list[str] = []

    def bad() -> None:
        raise RuntimeError("boom")

    emitter.on("e", lambda: got.append("before"))
    emitter.on("e", bad)
    emitter.on("e", lambda: got.append("after"))
    with caplog.at_level(logging.ERROR, logger="plugins_core.emitter"):
        assert emitter.emit("e") is True
    assert got == ["before", "after"]
    assert emitter.handler_errors == 1
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)
    emitter.emit("e")
    assert emitter.handler_errors == 2
    assert got == ["before", "after", "before", "after"]


@pytest.mark.asyncio
async def test_failing_async_handler_is_logged_counted_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emitter = EventEmitter()
    got: list[str] = []

    @emitter.on("e")
    async def bad() -> None:
        await asyncio.sleep(0)
        raise ValueError("async boom")

    @emitter.on("e")
    async def good() -> None:
        await asyncio.sleep(0.005)
        got.append("good")

    emitter.on("e", lambda: got.append("sync"))
    with caplog.at_level(logging.ERROR, logger="plugins_core.emitter"):
        emitter.emit("e")
        await emitter.wait_for_handlers(timeout=2)
    assert sorted(got) == ["good", "sync"]
    assert emitter.handler_errors == 1
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], ValueError)


@pytest.mark.asyncio
async def test_failing_handler_is_not_re_emitted_as_error() -> None:
    # pyee re-emitted a handler's exception as "error", mixing raw exceptions with error events
    emitter = EventEmitter()
    errors: list[Any] = []
    emitter.on("error", errors.append)

    def bad() -> None:
        raise RuntimeError("boom")

    emitter.on("e", bad)
    emitter.emit("e")
    assert errors == []
    assert emitter.handler_errors == 1


# --------------------------------------------------------------------------------------- threads


@pytest.mark.asyncio
async def test_emits_from_four_threads_all_arrive_on_the_loop_thread() -> None:
    loop = asyncio.get_running_loop()
    emitter = EventEmitter(loop=loop)
    loop_thread = threading.get_ident()
    seen_threads: set[int] = set()
    values: list[tuple[int, int]] = []

    @emitter.on("e")
    def handler(worker: int, index: int) -> None:
        seen_threads.add(threading.get_ident())
        assert asyncio.get_running_loop() is loop
        values.append((worker, index))

    barrier = threading.Barrier(4)

    def work(worker: int) -> None:
        barrier.wait()
        for index in range(1000):
            emitter.emit("e", worker, index)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()

    def join_all() -> None:
        for thread in threads:
            thread.join()

    await asyncio.to_thread(join_all)
    await _until(lambda: len(values) >= 4000)
    await asyncio.sleep(0.01)
    assert len(values) == 4000
    assert seen_threads == {loop_thread}
    assert sorted(values) == [(w, i) for w in range(4) for i in range(1000)]
    for worker in range(4):  # each thread's emits keep their order
        assert [i for w, i in values if w == worker] == list(range(1000))
    assert emitter.handler_errors == 0


@pytest.mark.asyncio
async def test_async_handler_emitted_from_a_thread_runs_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    emitter = EventEmitter(loop=loop)
    ran_on: list[int] = []

    @emitter.on("e")
    async def handler() -> None:
        assert asyncio.get_running_loop() is loop
        ran_on.append(threading.get_ident())

    thread = threading.Thread(target=emitter.emit, args=("e",))
    thread.start()
    await asyncio.to_thread(thread.join)
    await _until(lambda: bool(ran_on) or bool(emitter._tasks))
    await emitter.wait_for_handlers(timeout=2)
    assert ran_on == [threading.get_ident()]


@pytest.mark.asyncio
async def test_emitter_adopts_the_running_loop_at_construction() -> None:
    emitter = EventEmitter()
    assert emitter._loop is asyncio.get_running_loop()


def test_emitter_built_outside_a_loop_adopts_the_loop_of_its_first_emit() -> None:
    emitter = EventEmitter()
    assert emitter._loop is None
    got: list[int] = []
    emitter.on("e", lambda: got.append(threading.get_ident()))

    async def main() -> asyncio.AbstractEventLoop:
        emitter.emit("e")
        return asyncio.get_running_loop()

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(main()) is emitter._loop
    finally:
        loop.close()
    assert got == [threading.get_ident()]


def test_emit_when_the_loop_is_closed_logs_an_error_and_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    emitter = EventEmitter(loop=loop)
    got: list[int] = []
    emitter.on("e", got.append)
    with caplog.at_level(logging.ERROR, logger="plugins_core.emitter"):
        assert emitter.emit("e", 1) is True
    assert got == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "closed" in errors[0].getMessage()


def test_emit_from_a_thread_when_the_loop_is_closed_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    emitter = EventEmitter(loop=loop)
    emitter.on("e", lambda: None)
    loop.close()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            emitter.emit("e")
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            failures.append(exc)

    with caplog.at_level(logging.ERROR, logger="plugins_core.emitter"):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert failures == []
    assert any("closed" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


# ---------------------------------------------------------------------------------------- sticky


def test_sticky_event_reaches_handlers_added_later() -> None:
    emitter = EventEmitter()
    assert emitter.emit("ready", "payload", sticky=True) is False
    got: list[str] = []
    emitter.on("ready", got.append)
    assert got == ["payload"]
    late: list[str] = []
    emitter.on("ready", late.append)
    assert late == ["payload"]
    assert got == ["payload"]  # adding another handler does not re-deliver to the first


def test_sticky_event_reaches_current_handlers_once() -> None:
    emitter = EventEmitter()
    got: list[str] = []
    emitter.on("ready", got.append)
    emitter.emit("ready", "one", sticky=True)
    assert got == ["one"]


def test_latest_sticky_payload_wins() -> None:
    emitter = EventEmitter()
    emitter.emit("ready", "old", sticky=True)
    emitter.emit("ready", "new", sticky=True)
    got: list[str] = []
    emitter.on("ready", got.append)
    assert got == ["new"]


def test_non_sticky_event_is_not_replayed() -> None:
    emitter = EventEmitter()
    emitter.emit("e", "gone")
    got: list[str] = []
    emitter.on("e", got.append)
    assert got == []


@pytest.mark.asyncio
async def test_sticky_event_reaches_a_late_async_handler() -> None:
    emitter = EventEmitter()
    emitter.emit("ready", 5, sticky=True)
    got: list[int] = []

    @emitter.on("ready")
    async def handler(value: int) -> None:
        got.append(value)

    await emitter.wait_for_handlers(timeout=2)
    assert got == [5]


@pytest.mark.asyncio
async def test_sticky_handler_added_from_a_thread_runs_on_the_loop() -> None:
    emitter = EventEmitter()
    emitter.emit("ready", 1, sticky=True)
    ran_on: list[int] = []

    def add() -> None:
        emitter.on("ready", lambda value: ran_on.append(threading.get_ident()))

    await asyncio.to_thread(add)
    await _until(lambda: bool(ran_on))
    assert ran_on == [threading.get_ident()]
