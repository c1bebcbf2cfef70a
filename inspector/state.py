"""The inspector's application state, typed: what every view, middleware and server part reads.

``create_app`` builds one ``InspectorState`` and keeps it on the Starlette app; everything else gets it
through ``state_of(request)`` (or ``state_of(app)``), never from the untyped ``app.state`` bag. A part
that needs more (a store, an ingest queue) adds a typed field here.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.templating import Jinja2Templates

from inspector.hub import StreamHub
from inspector.sessions import SessionTracker
from inspector.settings import InspectorSettings
from plugins_core import EventRegistry

__all__ = ["InspectorState", "state_of"]

#: The one attribute of ``app.state`` the inspector uses.
_ATTRIBUTE = "inspector"


@dataclass(slots=True, kw_only=True)
class InspectorState:
    """Args:
    registry: the events shown (the ring the plugins register into).
    settings: bounds, intervals and access settings.
    tracker: session summaries and turn latencies, following the registry.
    hub: the connected stream clients.
    templates: the Jinja2 environment of ``templates/``.
    csrf_token: what state-changing requests must send (``X-Inspector-CSRF``).
    started_at: Unix time the app was made (for ``uptime_s``).
    version: the package version shown in the footer and ``/api/health``.
    """

    registry: EventRegistry
    settings: InspectorSettings
    tracker: SessionTracker
    hub: StreamHub
    templates: Jinja2Templates
    csrf_token: str
    started_at: float
    version: str

    def attach(self, app: Starlette) -> None:
        setattr(app.state, _ATTRIBUTE, self)


def state_of(source: HTTPConnection | Starlette) -> InspectorState:
    """The state of the inspector app serving ``source`` (a request, or the app itself)."""
    app = source if isinstance(source, Starlette) else source.app
    state = getattr(app.state, _ATTRIBUTE, None)
    if not isinstance(state, InspectorState):
        raise RuntimeError(f"app={app!r}: not an inspector app (build it with inspector.app.create_app)")
    return state
