"""Running the inspector: embedded in a running loop (``await InspectorServer(...).start()``), in a
background thread for a synchronous program (``start_inspector()``), or as the process's server (the
``plugins-inspector`` command)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Generator
from typing import Any

import uvicorn

from inspector.factory import create_app
from inspector.settings import InspectorSettings
from inspector.state import InspectorState, state_of
from plugins_core import EventRegistry

__all__ = ["InspectorServer", "start_inspector"]

logger = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server without its signal capture: an embedded inspector must not take over the host
    program's Ctrl-C, and uvicorn re-raises a captured SIGTERM after shutting down, which would kill
    the process before it has cleaned up. The CLI installs its own handlers instead."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class InspectorServer:
    """A uvicorn server for the inspector that can run on the current loop or in its own thread."""

    def __init__(
        self, registry: EventRegistry | None = None, settings: InspectorSettings | None = None
    ) -> None:
        self.settings = settings or InspectorSettings()
        self.app = create_app(registry, self.settings)
        config = uvicorn.Config(
            self.app,
            host=self.settings.host,
            port=self.settings.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,  # a stalled client must not hold the shutdown for send_timeout_s
        )
        self.server = _Server(config)
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def state(self) -> InspectorState:
        """The app's typed state (registry, hub, tracker, CSRF token...)."""
        return state_of(self.app)

    @property
    def url(self) -> str:
        """The address to open (with the token, when there is one)."""
        port = self.bound_port or self.settings.port
        host = f"[{self.settings.host}]" if ":" in self.settings.host else self.settings.host
        suffix = f"/?token={self.settings.token}" if self.settings.token else "/"
        return f"http://{host}:{port}{suffix}"

    @property
    def bound_port(self) -> int | None:
        """The real port (useful with ``port=0``), once the server is listening."""
        for server in getattr(self.server, "servers", []) or []:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return None

    async def start(self) -> None:
        """Serve on the running loop; returns once the server is listening."""
        self._task = asyncio.get_running_loop().create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()  # raises the start-up error (port in use...)
                raise RuntimeError("inspector server stopped during start-up")
            await asyncio.sleep(0.01)

    async def wait(self) -> None:
        """Until the server stops (Ctrl-C, SIGTERM or ``stop``)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def request_stop(self) -> None:
        """Ask the server to finish (safe from a signal handler or another thread); open streams
        end at once instead of holding the shutdown until they time out."""
        self.state.hub.close_all()
        self.server.should_exit = True

    async def stop(self) -> None:
        self.request_stop()
        if self._task is not None:
            await self._task
            self._task = None
            await self._close_connections()

    def start_in_thread(self, timeout: float = 10.0) -> None:
        """Serve from a background thread (for a synchronous program); returns once listening."""
        self._thread = threading.Thread(target=self._run_thread, name="plugins-inspector", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"inspector server failed to start on {self.settings.base_url}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"inspector server not listening after {timeout} s")
            time.sleep(0.01)

    def _run_thread(self) -> None:
        async def serve() -> None:
            await self.server.serve()
            await self._close_connections()

        asyncio.run(serve())

    async def _close_connections(self) -> None:
        """Close what uvicorn's graceful-shutdown timeout left open (a stalled client's connection),
        while the loop still runs, so no socket outlives the server."""
        for connection in list(self.server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()  # also when "closing": that one waits forever to flush to a stalled peer
        self.server.server_state.connections.clear()
        await asyncio.sleep(0.05)  # let the aborted transports finish closing

    def stop_thread(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"inspector server thread still running after {timeout} s")
            self._thread = None


def start_inspector(
    registry: EventRegistry | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    **settings: Any,
) -> InspectorServer:
    """One call to watch a program's events live: serves in a background thread and returns the
    server (``.url``, ``.stop_thread()``). In async code, ``await InspectorServer(...).start()``."""
    server = InspectorServer(registry, InspectorSettings(host=host, port=port, token=token, **settings))
    server.start_in_thread()
    logger.info("plugins-inspector serving at %s", server.url)
    return server
