"""Errors to HTTP, in one handler: every domain error becomes a 4xx with the one error shape.

API paths (and anything that does not ask for HTML) get ``{"ok": false, "error": "...", "status": N}``;
a browser asking for a page gets ``error.html`` with the same message. Messages name the parameter
and the value (``type='nope': unknown event type``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inspector.query import QueryError
from inspector.templating import render
from inspector.urls import root_path
from plugins_core import FilterError

__all__ = ["EXCEPTION_HANDLERS", "ApiError", "error_response"]


class ApiError(Exception):
    """An HTTP error with a message for the JSON body (and the HTML error page)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


async def error_response(request: Request, exc: Exception) -> Response:
    """The response for any error in ``EXCEPTION_HANDLERS``."""
    if isinstance(exc, ApiError):
        status, message = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status, message = exc.status_code, f"{request.url.path}: {exc.detail}"
    else:  # QueryError, FilterError: a bad parameter
        status, message = 400, str(exc)
    api = request.url.path.startswith(f"{root_path(request)}/api/")
    if not api and "text/html" in request.headers.get("accept", ""):
        context = {"status": status, "message": message, "json_twin": None}
        return render(request, "error.html", context, status)
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


Handler = Callable[[Request, Exception], Awaitable[Response]]

#: For ``Starlette(exception_handlers=...)``: the domain errors and Starlette's own 404/405.
EXCEPTION_HANDLERS: dict[type[Exception], Handler] = {
    ApiError: error_response,
    QueryError: error_response,
    FilterError: error_response,
    HTTPException: error_response,
}
