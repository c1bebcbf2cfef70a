"""EventFilter: which events a query, a listener or a stream wants.

One filter serves the Python API, the inspector's pages, its JSON API and its SSE stream, so that
``type=stt_transcript&min_confidence=0.8`` means the same thing everywhere.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from plugins_core.events import ERROR_EVENT_TYPES, BaseEvent, EventType, parse_event_type
from plugins_core.exceptions import FilterError, UnknownEventTypeError

__all__ = ["FILTER_PARAMS", "EventFilter", "event_confidence", "event_text"]

#: Query-string parameters that EventFilter.from_query understands.
FILTER_PARAMS: tuple[str, ...] = (
    "type",
    "session",
    "plugin",
    "min_confidence",
    "q",
    "errors",
    "since",
    "until",
    "window_ms",
)

_PARAM_OF = {
    "event_types": "type",
    "session_ids": "session",
    "plugin_names": "plugin",
    "time_window_ms": "window_ms",
    "text_contains": "q",
    "start_time": "since",
    "end_time": "until",
}
_TEXT_FIELDS = ("text", "text_source", "context", "reason", "error_code", "item_type")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def event_confidence(event: BaseEvent) -> float | None:
    """The event's ``confidence`` (None when it has none): what ``min_confidence`` compares."""
    value: float | None = getattr(event, "confidence", None)
    return value


def event_text(event: BaseEvent) -> str:
    """The searchable text of an event: transcripts, synthesized text, error messages, reasons."""
    parts = [value for name in _TEXT_FIELDS if isinstance(value := getattr(event, name, None), str)]
    error = getattr(event, "error", None)
    if error is not None:
        parts.append(f"{type(error).__name__}: {error}")
    return "\n".join(parts)


class EventFilter:
    """All given criteria must hold (AND); an empty list or None means "no constraint".

    Upstream semantics are kept: ``min_confidence`` is strict (an event without a confidence does
    not pass) and inclusive (``>=``); ``time_window_ms`` counts back from now. Added here:
    ``text_contains`` (case-insensitive), ``start_time``/``end_time`` (inclusive; naive times are
    UTC) and ``errors_only``.
    """

    __slots__ = (
        "end_time",
        "errors_only",
        "event_types",
        "min_confidence",
        "plugin_names",
        "session_ids",
        "start_time",
        "text_contains",
        "time_window_ms",
        "_needle",
    )

    def __init__(
        self,
        event_types: Iterable[EventType | str] | None = None,
        session_ids: Iterable[str] | None = None,
        plugin_names: Iterable[str] | None = None,
        time_window_ms: float | None = None,
        min_confidence: float | None = None,
        *,
        text_contains: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        errors_only: bool = False,
    ) -> None:
        types = {parse_event_type(t, "event_types") for t in event_types} if event_types else None
        self.event_types: set[EventType] | None = types or None
        self.session_ids = _names("session_ids", session_ids)
        self.plugin_names = _names("plugin_names", plugin_names)
        self.time_window_ms = _check_number("time_window_ms", time_window_ms, low=0.0)
        self.min_confidence = _check_number("min_confidence", min_confidence, low=0.0, high=1.0)
        if text_contains is not None and not isinstance(text_contains, str):
            raise FilterError("text_contains", text_contains, "must be a string")
        self.text_contains = (text_contains or "").strip() or None  # surrounding blanks never help a search
        self._needle = self.text_contains.casefold() if self.text_contains else None
        self.start_time = _as_utc("start_time", start_time)
        self.end_time = _as_utc("end_time", end_time)
        if self.start_time and self.end_time and self.start_time > self.end_time:
            raise FilterError("end_time", self.end_time.isoformat(), "is before start_time")
        self.errors_only = bool(errors_only)

    # ---------------------------------------------------------------------------------- matching

    def matches(self, event: BaseEvent | None) -> bool:
        """True when the event meets every criterion. ``None`` is not an event and never matches."""
        if event is None:
            return False
        if self.event_types is not None and event.event_type not in self.event_types:
            return False
        if self.errors_only and event.event_type not in ERROR_EVENT_TYPES:
            return False
        if self.session_ids is not None and event.session_id not in self.session_ids:
            return False
        if self.plugin_names is not None and event.plugin_name not in self.plugin_names:
            return False
        if self.time_window_ms:
            age_ms = time.time() * 1000.0 - event.timestamp.timestamp() * 1000.0
            if age_ms > self.time_window_ms:
                return False
        if self.start_time is not None and event.timestamp < self.start_time:
            return False
        if self.end_time is not None and event.timestamp > self.end_time:
            return False
        if self.min_confidence is not None:
            confidence = event_confidence(event)
            if confidence is None or confidence < self.min_confidence:
                return False
        return not (self._needle is not None and self._needle not in event_text(event).casefold())

    @property
    def is_empty(self) -> bool:
        """True when the filter lets every event through."""
        return not self.to_query()

    # ------------------------------------------------------------------------------ query string

    @classmethod
    def from_query(
        cls,
        params: str | Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]],
        *,
        allowed_extra: Iterable[str] = (),
    ) -> EventFilter:
        """Parse ``type=stt_transcript&type=tts_audio&min_confidence=0.8&q=hello&errors=1``.

        A parameter may repeat; ``type``, ``session`` and ``plugin`` also accept comma-separated
        values. Parameters in ``allowed_extra`` (a caller's own, such as ``limit``) are skipped;
        any other unknown parameter is an error, so that a typo never silently widens a query.
        """
        pairs = _pairs(params)
        known = set(FILTER_PARAMS) | set(allowed_extra)
        values: dict[str, list[str]] = {}
        for key, value in pairs:
            if key not in known:
                raise FilterError(key, value, f"unknown filter parameter (known: {', '.join(FILTER_PARAMS)})")
            values.setdefault(key, []).append(value)

        def many(key: str) -> list[str]:
            return [raw for raw in values.get(key, []) if raw.strip()]

        def one(key: str) -> str | None:
            given = [v for v in values.get(key, []) if v.strip()]
            if len(given) > 1:
                raise FilterError(key, given, "may be given once")
            return given[0].strip() if given else None

        types: list[EventType] = []
        for raw in (part.strip() for value in many("type") for part in value.split(",") if part.strip()):
            try:
                types.append(parse_event_type(raw, "type"))
            except UnknownEventTypeError:
                raise FilterError("type", raw, "unknown event type") from None
        errors = (one("errors") or "").lower()
        if errors not in _TRUE | _FALSE:
            raise FilterError("errors", errors, "must be 1 or 0 (true/false)")
        try:
            return cls(
                event_types=types or None,
                session_ids=many("session") or None,
                plugin_names=many("plugin") or None,
                time_window_ms=_parse_float("window_ms", one("window_ms")),
                min_confidence=_parse_float("min_confidence", one("min_confidence")),
                text_contains=one("q"),
                start_time=_parse_time("since", one("since")),
                end_time=_parse_time("until", one("until")),
                errors_only=errors in _TRUE,
            )
        except FilterError as exc:  # name the parameter the user typed, not the constructor's argument
            param = _PARAM_OF.get(exc.field, exc.field)
            reason = exc.reason.replace("start_time", "since")
            raise FilterError(param, exc.value, reason) from None

    def to_query(self) -> list[tuple[str, str]]:
        """The query-string pairs that ``from_query`` turns back into an equal filter."""
        out: list[tuple[str, str]] = []
        out += [("type", t.value) for t in sorted(self.event_types or (), key=lambda t: t.value)]
        out += [("session", s) for s in sorted(self.session_ids or ())]
        out += [("plugin", p) for p in sorted(self.plugin_names or ())]
        if self.min_confidence is not None:
            out.append(("min_confidence", _fmt(self.min_confidence)))
        if self.text_contains:
            out.append(("q", self.text_contains))
        if self.errors_only:
            out.append(("errors", "1"))
        if self.start_time is not None:
            out.append(("since", self.start_time.isoformat()))
        if self.end_time is not None:
            out.append(("until", self.end_time.isoformat()))
        if self.time_window_ms:
            out.append(("window_ms", _fmt(self.time_window_ms)))
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventFilter):
            return NotImplemented
        return self.to_query() == other.to_query()

    def __hash__(self) -> int:
        return hash(tuple(self.to_query()))

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.to_query())
        return f"EventFilter({args})"


def _pairs(
    params: str | Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]],
) -> list[tuple[str, str]]:
    if isinstance(params, str):
        return parse_qsl(params.lstrip("?"), keep_blank_values=True)
    if isinstance(params, Mapping):
        # Starlette's QueryParams is a Mapping whose multi_items() keeps repeated keys
        multi = getattr(params, "multi_items", None)
        if callable(multi):
            return [(str(k), str(v)) for k, v in multi()]
        out: list[tuple[str, str]] = []
        for key, value in params.items():
            if isinstance(value, str):
                out.append((key, value))
            else:
                out.extend((key, v) for v in value)
        return out
    return [(str(k), str(v)) for k, v in params]


def _names(field: str, values: Iterable[str] | None) -> set[str] | None:
    if not values:
        return None
    if isinstance(values, str):
        raise FilterError(field, values, "must be a list of names, not one string")
    names = set(values)
    for name in names:
        if not isinstance(name, str) or not name:
            raise FilterError(field, name, "names must be non-empty strings")
    return names


def _check_number(name: str, value: Any, *, low: float, high: float | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FilterError(name, value, "must be a finite number")
    if value < low or (high is not None and value > high):
        bounds = f"in [{_fmt(low)}, {_fmt(high)}]" if high is not None else f">= {_fmt(low)}"
        raise FilterError(name, value, f"must be {bounds}")
    return float(value)


def _parse_float(name: str, raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FilterError(name, raw, "must be a number") from None


def _parse_time(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(name, raw, "must be an ISO-8601 time such as 2026-11-29T12:00:00Z") from None


def _as_utc(name: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise FilterError(name, value, "must be a datetime")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
