"""Subscription: a bounded, loss-counting feed of registered events for one asyncio consumer.

Producers are plugin threads, audio callbacks and the loop itself; the consumer is a coroutine
(the inspector's SSE stream). The queue is bounded: when the consumer falls behind, the oldest
items are dropped and counted, so a slow browser can never slow the pipeline or grow memory, and
the consumer is told how much it lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from plugins_core.events import BaseEvent
    from plugins_core.filters import EventFilter

__all__ = ["RegisteredEvent", "Subscription", "SubscriptionBatch"]

logger = logging.getLogger(__name__)


class RegisteredEvent(NamedTuple):
    """An event with the sequence number the registry gave it (1, 2, 3, ... in registration order)."""

    seq: int
    event: BaseEvent


@dataclass(slots=True)
class SubscriptionBatch:
    """What a consumer takes at once: events in order, and how many were dropped before them."""

    items: list[RegisteredEvent] = field(default_factory=list)
    dropped: int = 0
    closed: bool = False


class Subscription:
    """Created by ``EventRegistry.subscribe()``; iterate it with ``async for`` or take batches."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        max_queue: int,
        event_filter: EventFilter | None,
        on_close: Callable[[Subscription], None],
        lock: threading.Lock | None = None,
    ) -> None:
        if max_queue <= 0:
            raise ValueError(f"max_queue={max_queue!r}: must be a positive integer")
        self.loop = loop
        self.max_queue = max_queue
        self.filter = event_filter
        self.dropped = 0  # total dropped since the subscription was made
        self.delivered = 0
        self._unreported_drops = 0
        self._items: deque[RegisteredEvent] = deque(maxlen=max_queue)
        # The registry passes its own lock: it already holds it while offering, so one lock guards
        # both sides and an offer costs no second acquisition (the emitter's hot path).
        self._lock = lock if lock is not None else threading.Lock()
        self._waiter: asyncio.Future[None] | None = None
        self._wake_scheduled = False
        self._closed = False
        self._on_close = on_close

    def __repr__(self) -> str:
        return (
            f"Subscription(queued={len(self._items)}, max_queue={self.max_queue}, "
            f"dropped={self.dropped}, closed={self._closed})"
        )

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def queued(self) -> int:
        return len(self._items)

    # ----------------------------------------------------------------------- producer side (any thread)

    def _offer(self, item: RegisteredEvent) -> bool:
        """Queue one item (the caller holds ``_lock``); True when the consumer is waiting and must be
        woken, outside the lock."""
        if self._closed:
            return False
        items = self._items
        if len(items) == self.max_queue:  # the deque's maxlen drops the oldest on append
            if self.loop.is_closed():
                return True  # nobody will read this any more: _wake, outside the lock, closes it
            self.dropped += 1
            self._unreported_drops += 1
        items.append(item)
        if self._waiter is not None and not self._wake_scheduled:
            self._wake_scheduled = True
            return True
        return False

    def _wake(self) -> None:
        """Wake the consumer: directly on the loop's thread, else through the loop's thread-safe handoff."""
        if self.loop.is_closed():
            logger.warning("subscription's event loop is closed; closing %r", self)
            self.close()
            return
        if asyncio._get_running_loop() is self.loop:  # on the loop's own thread
            self._resolve_waiter()
            return
        try:
            self.loop.call_soon_threadsafe(self._resolve_waiter)
        except RuntimeError:  # the loop is closed: nobody will ever read this subscription again
            logger.warning("subscription's event loop is closed; closing %r", self)
            self.close()

    def _resolve_waiter(self) -> None:
        with self._lock:
            waiter, self._waiter = self._waiter, None
            self._wake_scheduled = False
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------------ consumer side (the loop)

    async def get_batch(self, max_items: int = 1000, timeout: float | None = None) -> SubscriptionBatch:
        """Wait for at least one event (or the timeout, or close) and take up to ``max_items``."""
        while True:
            with self._lock:
                if self._items or self._unreported_drops:
                    return self._take(max_items)
                if self._closed:
                    return SubscriptionBatch(closed=True)
                waiter = self.loop.create_future()
                self._waiter = waiter
                self._wake_scheduled = False
            try:
                if timeout is None:
                    await waiter
                else:
                    await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                with self._lock:
                    if self._waiter is waiter:
                        self._waiter = None
                    if not (self._items or self._unreported_drops):
                        return SubscriptionBatch(closed=self._closed)

    def take_nowait(self, max_items: int = 1000) -> SubscriptionBatch:
        """Whatever is queued now, without waiting."""
        with self._lock:
            return self._take(max_items)

    def _take(self, max_items: int) -> SubscriptionBatch:
        count = min(max_items, len(self._items))
        items = [self._items.popleft() for _ in range(count)]
        batch = SubscriptionBatch(items, self._unreported_drops, self._closed and not self._items)
        self._unreported_drops = 0
        self.delivered += count
        return batch

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> RegisteredEvent:
        batch = await self.get_batch(max_items=1)
        if batch.items:
            return batch.items[0]
        if batch.closed:
            raise StopAsyncIteration
        return await self.__anext__()  # only drops were reported; they stay counted in .dropped

    def close(self) -> None:
        """Stop receiving; wakes a waiting consumer, which then sees the end of the stream."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._items.clear()
        self._on_close(self)
        if self._waiter is not None:
            try:
                self.loop.call_soon_threadsafe(self._resolve_waiter)
            except RuntimeError:
                logger.debug("loop already closed while closing %r", self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
