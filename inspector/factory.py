"""``create_app``: the inspector as an ASGI app, over a registry, with its typed state."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from inspector import api, pages
from inspector.errors import EXCEPTION_HANDLERS
from inspector.hub import StreamHub
from inspector.middleware import middleware
from inspector.sessions import SessionTracker
from inspector.settings import InspectorSettings
from inspector.state import InspectorState, state_of
from inspector.templating import make_templates, resource_dir
from plugins_core import EventRegistry, __version__, get_global_registry

__all__ = ["create_app"]


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    tracker = state_of(app).tracker
    await tracker.start()
    try:
        yield
    finally:
        await tracker.stop()


def create_app(registry: EventRegistry | None = None, settings: InspectorSettings | None = None) -> Starlette:
    """The inspector as an ASGI app over ``registry`` (the global one by default), mountable in a
    Starlette or FastAPI app of your own."""
    registry = registry if registry is not None else get_global_registry()
    settings = settings or InspectorSettings()
    state = InspectorState(
        registry=registry,
        settings=settings,
        tracker=SessionTracker(registry),
        hub=StreamHub(),
        templates=make_templates(),
        csrf_token=secrets.token_urlsafe(24),
        started_at=time.time(),
        version=__version__,
    )
    app = Starlette(
        routes=[
            *pages.routes(),
            *api.routes(),
            Mount("/static", StaticFiles(directory=resource_dir("static")), name="static"),
        ],
        middleware=middleware(settings, state.csrf_token),
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=_lifespan,
    )
    state.attach(app)
    return app
