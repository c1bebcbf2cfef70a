"""The documented exception tree of plugins_core.

Every error names the field (or parameter) and the value that was refused, so a user reading a
traceback or an HTTP 400 body knows what to change::

    PluginsCoreError
    ├── EventValidationError (ValueError)   an event field holds a value it cannot hold
    ├── UnknownEventTypeError (ValueError)  a string or value that is no EventType
    ├── FilterError (ValueError)            a filter argument or query-string parameter is invalid
    ├── SerializationError (ValueError)     JSON/NDJSON input that does not decode to an event
    └── AudioFormatError (ValueError)       PCM/WAV data that cannot be read or converted
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AudioFormatError",
    "EventValidationError",
    "FilterError",
    "PluginsCoreError",
    "SerializationError",
    "UnknownEventTypeError",
]


def _show(value: Any, limit: int = 80) -> str:
    """repr() of a value, shortened so that a huge payload never floods an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PluginsCoreError(Exception):
    """Base class of every error raised on purpose by plugins_core."""


class _FieldError(PluginsCoreError, ValueError):
    """An error about one named field and the value it was given."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={_show(value)}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.reason))


class EventValidationError(_FieldError):
    """An event field was given a value it cannot hold (e.g. empty transcript text)."""


class FilterError(_FieldError):
    """A filter argument or query-string parameter is invalid (e.g. ``type=nope``)."""


class SerializationError(_FieldError):
    """Serialized event data is malformed: unknown type, missing or unknown field, wrong type,
    corrupt base64. ``field`` is a dotted path such as ``events[3].audio_data``."""


class AudioFormatError(_FieldError):
    """PCM or WAV data that cannot be read or converted."""


class UnknownEventTypeError(PluginsCoreError, ValueError):
    """A value that is not one of the EventType values."""

    def __init__(self, value: Any, field: str = "event_type") -> None:
        self.field = field
        self.value = value
        self.reason = "unknown event type"
        super().__init__(f"{field}={_show(value)}: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.value, self.field))
