"""The inspector's embedding API, as README documents it: ``create_app(registry)`` returns the ASGI
app to mount in your own Starlette or FastAPI app; ``start_inspector()`` serves it from a background
thread; ``InspectorServer`` serves it on a running loop. They are defined in ``inspector.factory`` and
``inspector.server``; this module is where programs import them from."""

from __future__ import annotations

from inspector.factory import create_app
from inspector.server import InspectorServer, start_inspector

__all__ = ["InspectorServer", "create_app", "start_inspector"]
