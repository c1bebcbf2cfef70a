"""One query parser for pages, the JSON API and the SSE stream, so a filter means the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from plugins_core import EventFilter, FilterError

__all__ = ["EventQuery", "QueryError", "parse_query"]

#: Parameters of ours that ride along with the filter parameters.
EXTRA_PARAMS = ("limit", "after", "before", "token")
DEFAULT_LIMIT = 200
MAX_LIMIT = 10_000


class QueryError(ValueError):
    """A bad query parameter; becomes an HTTP 400 whose message names the parameter and value."""

    def __init__(self, param: str, value: object, reason: str) -> None:
        self.param = param
        self.value = value
        super().__init__(f"{param}={value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A parsed request: the event filter, how many events, and where to resume."""

    filter: EventFilter
    limit: int
    after: int | None
    before: int | None = None

    def query_string(self) -> str:
        """The filter part of the URL, for links and for the page's live stream."""
        return urlencode(self.filter.to_query())


def parse_query(params: QueryParams, *, default_limit: int = DEFAULT_LIMIT) -> EventQuery:
    """Parse ``type``, ``session``, ``plugin``, ``min_confidence``, ``q``, ``errors``, ``since``,
    ``until``, ``window_ms``, ``limit``, ``after`` and ``before``; anything else is a 400."""
    try:
        event_filter = EventFilter.from_query(params, allowed_extra=EXTRA_PARAMS)
    except FilterError as exc:
        raise QueryError(exc.field, exc.value, exc.reason) from None
    limit = _int(params, "limit", default_limit, 0, MAX_LIMIT)
    return EventQuery(event_filter, limit, _seq(params, "after"), _seq(params, "before"))


def _int(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(name, raw, "must be an integer") from None
    if not low <= value <= high:
        raise QueryError(name, raw, f"must be between {low} and {high}")
    return value


def _seq(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(name, raw, "must be an event sequence number") from None
    if value < 0:
        raise QueryError(name, raw, "must be >= 0")
    return value
