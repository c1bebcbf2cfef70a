"""EventEmitter: the ``on(name)`` / ``emit(name, ...)`` mechanism shared by the plugin base classes.

Plugins emit from wherever their engine calls back: the event loop, a PortAudio callback, an SDK
thread. Handlers (sync or async) always run on the plugin's event loop: an emit from another thread
is handed over with ``loop.call_soon_threadsafe`` (upstream's pyee used ``ensure_future`` from the
foreign thread, which is not thread-safe). A failing handler is logged and counted; it never breaks
the emitter or the other handlers.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

__all__ = ["EventEmitter", "Handler"]

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)


class EventEmitter:
    """Named events with sync and async handlers, delivered on one event loop.

    ``loop`` is the loop handlers run on; when not given, the running loop at construction or at the
    first emit from a loop is used. Some events are *sticky* (``initialized``): a handler added after
    the event was emitted still receives it, so no subscriber can miss it.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._handlers: dict[str, tuple[Handler, ...]] = {}
        self._handlers_lock = threading.Lock()
        self._sticky: dict[str, tuple[Any, ...]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.handler_errors = 0
        self._loop_given = loop is not None
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        self._loop = loop

    # -------------------------------------------------------------------------------- handlers

    @overload
    def on(self, name: str) -> Callable[[H], H]: ...

    @overload
    def on(self, name: str, handler: H) -> H: ...

    def on(self, name: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Add a handler: ``@emitter.on("transcript")`` or ``emitter.on("transcript", fn)``."""

        def add(fn: H) -> H:
            if not callable(fn):
                raise TypeError(f"handler={fn!r}: must be callable")
            with self._handlers_lock:
                self._handlers[name] = self._handlers.get(name, ()) + (fn,)
                sticky = self._sticky.get(name)
            if sticky is not None:
                self._deliver(name, sticky, (fn,))
            return fn

        return add if handler is None else add(handler)

    def remove_listener(self, name: str, handler: Handler) -> bool:
        """Remove one registration of ``handler`` for ``name``; False when it was not there."""
        with self._handlers_lock:
            current = list(self._handlers.get(name, ()))
            if handler not in current:
                return False
            current.remove(handler)
            if current:
                self._handlers[name] = tuple(current)
            else:
                del self._handlers[name]
            return True

    def remove_all_listeners(self, name: str | None = None) -> None:
        with self._handlers_lock:
            if name is None:
                self._handlers.clear()
            else:
                self._handlers.pop(name, None)

    def listeners(self, name: str) -> list[Handler]:
        return list(self._handlers.get(name, ()))

    def has_listeners(self, name: str) -> bool:
        return bool(self._handlers.get(name))

    # ------------------------------------------------------------------------------------ emit

    def emit(self, name: str, *args: Any, sticky: bool = False) -> bool:
        """Deliver ``args`` to the handlers of ``name``; True when there was at least one.

        Safe from any thread. With ``sticky``, handlers added later receive the same arguments.
        """
        with self._handlers_lock:
            if sticky:
                self._sticky[name] = args
            handlers = self._handlers.get(name, ())
        if not handlers:
            return False
        self._deliver(name, args, handlers)
        return True

    def _deliver(self, name: str, args: tuple[Any, ...], handlers: tuple[Handler, ...]) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            self._adopt(running)
        loop = self._loop
        if loop is None or loop is running:
            self._dispatch(name, args, handlers)
        elif loop.is_closed():
            logger.error("%s: event loop closed; %d handler(s) of %r not called", self, len(handlers), name)
        else:
            loop.call_soon_threadsafe(self._dispatch, name, args, handlers)

    def bind_loop(self) -> None:
        """Adopt the running loop when none was given (call from the plugin's async entry points):
        a plugin made in synchronous code, or whose previous loop ended, then delivers on this one."""
        try:
            self._adopt(asyncio.get_running_loop())
        except RuntimeError:
            pass  # not inside a loop: nothing to adopt

    def _adopt(self, running: asyncio.AbstractEventLoop) -> None:
        loop = self._loop
        if loop is None or (
            not self._loop_given and loop is not running and (loop.is_closed() or not loop.is_running())
        ):
            self._loop = running

    def _dispatch(self, name: str, args: tuple[Any, ...], handlers: tuple[Handler, ...]) -> None:
        for handler in handlers:
            try:
                result = handler(*args)
            except Exception:
                self.handler_errors += 1
                logger.exception("%s: handler %r for %r failed", self, handler, name)
                continue
            if inspect.isawaitable(result):
                self._track(name, handler, result)

    def _track(self, name: str, handler: Handler, awaitable: Awaitable[Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # a sync program emitting with no loop anywhere: run the coroutine to completion here
            asyncio.run(_await(awaitable, self, handler, name))
            return
        task = loop.create_task(_await(awaitable, self, handler, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_for_handlers(self, timeout: float | None = None) -> None:
        """Wait until async handlers started so far (and any they started) have finished."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                await asyncio.sleep(0)


async def _await(awaitable: Awaitable[Any], emitter: EventEmitter, handler: Handler, name: str) -> None:
    try:
        await awaitable
    except asyncio.CancelledError:
        raise
    except Exception:
        emitter.handler_errors += 1
        logger.exception("%s: async handler %r for %r failed", emitter, handler, name)
