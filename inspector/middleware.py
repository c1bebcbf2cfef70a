"""The inspector's middleware stack, outermost first: start the session tracker, then access control
(``inspector/security.py``)."""

from __future__ import annotations

import asyncio

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from inspector.security import SecurityMiddleware
from inspector.settings import InspectorSettings
from inspector.state import state_of

__all__ = ["StartTrackerMiddleware", "middleware"]


class StartTrackerMiddleware:
    """Starts the session tracker on the first request when no lifespan ran: a mounted app's lifespan
    is not run by the app that mounts it, and sessions must still be followed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            tracker = state_of(scope["app"]).tracker
            if not tracker.started:
                async with self._lock:
                    if not tracker.started:
                        await tracker.start()
        await self.app(scope, receive, send)


def middleware(settings: InspectorSettings, csrf_token: str) -> list[Middleware]:
    return [
        Middleware(StartTrackerMiddleware),
        Middleware(SecurityMiddleware, settings=settings, csrf_token=csrf_token),
    ]
