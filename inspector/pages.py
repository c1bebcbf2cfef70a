"""HTML pages and the fragments htmx swaps in. Views compute; templates only format.

Each page names its JSON twin (same filters) in a ``<link rel="alternate">`` and in the context.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inspector.api import collect_stats
from inspector.errors import ApiError
from inspector.eventjson import event_json
from inspector.query import parse_query
from inspector.state import state_of
from inspector.templating import render
from inspector.urls import URLs
from plugins_core import FILTER_PARAMS

__all__ = ["SESSIONS_SHOWN", "routes"]

#: Sessions listed in the side panel, the Sessions page and the filter's session choices.
SESSIONS_SHOWN = 200


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


def _choices(request: Request) -> dict[str, Any]:
    """What the filter bar offers: recent sessions and the plugins that emitted events."""
    state = state_of(request)
    rates = state.registry.get_statistics()["plugin_error_rates"]
    return {
        "sessions": state.tracker.session_list(limit=SESSIONS_SHOWN),
        "plugins": sorted(name for name in rates if name != "unknown"),  # "unknown": events without one
    }


def _fragment(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


async def index(request: Request) -> Response:
    context = _filter_context(request) | _choices(request)
    context["json_twin"] = URLs.of(request).path("/api/events", context["query"])
    return render(request, "index.html", context)


async def sessions_page(request: Request) -> Response:
    template = "_sessions.html" if _fragment(request) else "sessions.html"
    sessions = state_of(request).tracker.session_list(limit=SESSIONS_SHOWN)
    twin = URLs.of(request).path("/api/sessions")
    return render(request, template, {"sessions": sessions, "json_twin": twin})


async def stats_page(request: Request) -> Response:
    context = _filter_context(request) | _choices(request)
    context |= {
        "stats": collect_stats(request),
        "json_twin": URLs.of(request).path("/api/stats", context["query"]),
    }
    template = "_stats.html" if _fragment(request) else "stats.html"
    return render(request, template, context)


async def event_page(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    entry = state_of(request).registry.get_registered(event_id)
    if entry is None:
        raise ApiError(404, f"event_id={event_id!r}: not buffered (never seen, or evicted)")
    urls = URLs.of(request)
    data = event_json(entry, urls)
    context = {
        "event": data,
        "fields": [(k, v) for k, v in data.items() if k not in _PAGE_KEYS],
        "json_twin": urls.api_event(event_id),
    }
    template = "_event_detail.html" if _fragment(request) else "event.html"
    return render(request, template, context)


#: What the page form adds to the core's fields: shown in the header, not in the field list.
_PAGE_KEYS = frozenset({"audio", "kind", "family", "is_error", "has_audio", "summary", "summary_quiet"})


def routes() -> list[Route]:
    return [
        Route("/", index),
        Route("/sessions", sessions_page),
        Route("/stats", stats_page),
        Route("/events/{event_id:path}", event_page),
    ]
