"""create_app and the ways to run the inspector: embedded in a running loop, in a background
thread for a synchronous program, or as the process's server (``plugins-inspector``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import jinja2
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from inspector import api, pages
from inspector.api import ApiError
from inspector.eventjson import root_path
from inspector.query import QueryError
from inspector.security import SecurityMiddleware
from inspector.sessions import SessionTracker
from inspector.settings import InspectorSettings
from inspector.stream import StreamHub
from plugins_core import EventRegistry, FilterError, __version__, get_global_registry

__all__ = ["InspectorServer", "create_app", "resource_dir", "start_inspector"]

logger = logging.getLogger(__name__)


def resource_dir(name: str) -> Path:
    """``templates`` or ``static``: beside the package in a checkout, inside it in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / name, here / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}: directory not found beside {here}")


def create_app(registry: EventRegistry | None = None, settings: InspectorSettings | None = None) -> Starlette:
    """The inspector as an ASGI app over ``registry`` (the global one by default), mountable in a
    Starlette or FastAPI app of your own."""
    registry = registry if registry is not None else get_global_registry()
    settings = settings or InspectorSettings()
    csrf_token = secrets.token_urlsafe(24)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await app.state.tracker.start()
        try:
            yield
        finally:
            await app.state.tracker.stop()

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    templates = Jinja2Templates(env=env)
    app = Starlette(
        routes=[
            *pages.routes(),
            *api.routes(),
            Mount("/static", StaticFiles(directory=resource_dir("static")), name="static"),
        ],
        exception_handlers={
            ApiError: _error_handler,
            QueryError: _error_handler,
            FilterError: _error_handler,
            HTTPException: _error_handler,
        },
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.settings = settings
    app.state.tracker = SessionTracker(registry)
    app.state.hub = StreamHub()
    app.state.templates = templates
    app.state.csrf_token = csrf_token
    app.state.started_at = time.time()
    app.state.version = __version__
    app.add_middleware(SecurityMiddleware, settings=settings, csrf_token=csrf_token)
    app.add_middleware(_StartTracker)
    return app


class _StartTracker:
    """Starts the session tracker on the first request when no lifespan ran: a mounted app's lifespan
    is not run by the app that mounts it, and sessions must still be followed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            tracker = scope["app"].state.tracker
            if not tracker.started:
                async with self._lock:
                    if not tracker.started:
                        await tracker.start()
        await self.app(scope, receive, send)


async def _error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        status, message = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status, message = exc.status_code, f"{request.url.path}: {exc.detail}"
    else:
        status, message = 400, str(exc)
    api = request.url.path.startswith(f"{root_path(request)}/api/")
    wants_html = not api and "text/html" in request.headers.get("accept", "")
    if wants_html:
        return pages.render(
            request, "error.html", {"status": status, "message": message, "json_twin": None}, status
        )
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


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
        self.app.state.hub.close_all()
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
