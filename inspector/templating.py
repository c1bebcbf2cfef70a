"""Templates: the Jinja2 environment of ``templates/`` and ``render``, which gives every page the same
base context (CSRF token, version, the URL helper, the event-type vocabulary)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from inspector.eventjson import TYPES_BY_NAME
from inspector.state import state_of
from inspector.urls import URLs
from plugins_core import EventType, format_duration_ms

__all__ = ["make_templates", "render", "resource_dir"]

EVENT_TYPES = list(EventType)


def resource_dir(name: str) -> Path:
    """``templates`` or ``static``: beside the package in a checkout, inside it in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / name, here / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}: directory not found beside {here}")


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["duration"] = format_duration_ms  # one formatting of durations, the core's
    return Jinja2Templates(env=env)


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page or fragment. ``urls`` builds every link under the mount prefix; ``event_types`` and
    ``types_by_name`` carry each type's ``kind`` and ``family`` for badges and the type filter."""
    state = state_of(request)
    urls = URLs.of(request)
    base = {
        "csrf_token": state.csrf_token,
        "event_types": EVENT_TYPES,
        "types_by_name": TYPES_BY_NAME,
        "version": state.version,
        "root": urls.root,  # for the page's <meta name="inspector-root">: static/urls.js reads it once
        "urls": urls,
    }
    response: Response = state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status
    )
    response.headers["Vary"] = "HX-Request"
    return response
