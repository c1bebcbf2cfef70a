"""The page's form of an event, made in one place for the API, the stream and the templates.

It is the core's serialization plus what the core decides about the event, so that no view decides
it again: ``seq``, ``kind``, ``family``, ``is_error``, ``has_audio`` (``EventType`` properties), the
one-line ``summary`` and ``summary_quiet`` (``describe_event``), and, for audio events, ``audio``:
its size, duration, eviction and URL (audio bytes never ride on the stream; the page fetches them).
"""

from __future__ import annotations

from typing import Any

from inspector.urls import URLs
from plugins_core import EventType, RegisteredEvent, describe_event, serialize_event

__all__ = ["TYPES_BY_NAME", "event_json"]

#: Every event type by its string value, for templates that only have the name (``t.kind``, ``t.family``).
TYPES_BY_NAME: dict[str, EventType] = {t.value: t for t in EventType}


def event_json(entry: RegisteredEvent, urls: URLs) -> dict[str, Any]:
    """What ``/api/events``, the stream and the pages use for one buffered event."""
    event = entry.event
    event_type = event.event_type
    description = describe_event(event)
    data = serialize_event(event, include_audio=False)
    data["seq"] = entry.seq
    data["kind"] = event_type.kind.value
    data["family"] = event_type.family
    data["is_error"] = event_type.is_error
    data["has_audio"] = event_type.has_audio
    data["summary"] = description.text
    data["summary_quiet"] = description.quiet
    if event_type.has_audio:
        audio: Any = event
        data["audio"] = {
            "size_bytes": audio.audio_size_bytes,
            "duration_ms": audio.audio_duration_ms,
            "evicted": audio.audio_evicted,
            "url": urls.event_audio(event.event_id) if audio.audio_size_bytes else None,
        }
    return data
