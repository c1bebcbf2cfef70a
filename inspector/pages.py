"""HTML pages and the fragments htmx swaps in. Views compute; templates only format.

Each page names its JSON twin (same filters) in a ``<link rel="alternate">`` and in the context.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inspector.api import ApiError, collect_stats
from inspector.eventjson import event_json, event_summary, root_path
from inspector.query import parse_query
from plugins_core import FILTER_PARAMS, EventType

__all__ = ["render", "routes"]

EVENT_TYPES = [t.value for t in EventType]


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    state = request.app.state
    base = {
        "csrf_token": state.csrf_token,
        "event_types": EVENT_TYPES,
        "version": state.version,
        "root": root_path(request),  # where the app is mounted: every link and fetch starts here
    }
    response: Response = state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status
    )
    response.headers["Vary"] = "HX-Request"
    return response


def _filter_context(request: Request) -> dict[str, Any]:
    query = parse_query(request.query_params)
    flt = query.filter
    qs = urlencode(flt.to_query())
    return {
        "query": qs,
        "filter": {
            "types": sorted(t.value for t in flt.event_types or ()),
            "sessions": sorted(flt.session_ids or ()),
            "plugins": sorted(flt.plugin_names or ()),
            "min_confidence": flt.min_confidence,
            "q": flt.text_contains or "",
            "errors": flt.errors_only,
        },
        "limit": query.limit,
        "filter_params": FILTER_PARAMS,
    }


SESSIONS_SHOWN = 200


def _choices(request: Request) -> dict[str, Any]:
    """What the filter bar offers: recent sessions and the plugins that emitted events."""
    rates = request.app.state.registry.get_statistics()["plugin_error_rates"]
    return {
        "sessions": request.app.state.tracker.session_list(limit=SESSIONS_SHOWN),
        "plugins": sorted(name for name in rates if name != "unknown"),  # "unknown": events without one
    }


async def index(request: Request) -> Response:
    context = _filter_context(request) | _choices(request)
    context["json_twin"] = "/api/events" + (f"?{context['query']}" if context["query"] else "")
    return render(request, "index.html", context)


async def sessions_page(request: Request) -> Response:
    template = "_sessions.html" if request.headers.get("hx-request") else "sessions.html"
    sessions = request.app.state.tracker.session_list(limit=SESSIONS_SHOWN)
    return render(request, template, {"sessions": sessions, "json_twin": "/api/sessions"})


async def stats_page(request: Request) -> Response:
    context = _filter_context(request) | _choices(request)
    context |= {
        "stats": collect_stats(request),
        "json_twin": "/api/stats" + (f"?{context['query']}" if context["query"] else ""),
    }
    template = "_stats.html" if request.headers.get("hx-request") else "stats.html"
    return render(request, template, context)


async def event_page(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    entry = request.app.state.registry.get_registered(event_id)
    if entry is None:
        raise ApiError(404, f"event_id={event_id!r}: not buffered (never seen, or evicted)")
    data = event_json(entry, root_path(request))
    context = {
        "event": data,
        "summary": event_summary(entry),
        "fields": [(k, v) for k, v in data.items() if k not in ("audio",)],
        "json_twin": f"/api/events/{event_id}",
    }
    template = "_event_detail.html" if request.headers.get("hx-request") else "event.html"
    return render(request, template, context)


def routes() -> list[Route]:
    return [
        Route("/", index),
        Route("/sessions", sessions_page),
        Route("/stats", stats_page),
        Route("/events/{event_id}", event_page),
    ]
