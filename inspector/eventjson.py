"""The inspector's JSON form of an event: the core's serialization, its ``seq``, and audio replaced by
its size, duration and URL (audio bytes never ride on the stream; the page fetches them on demand)."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from plugins_core import AUDIO_EVENT_TYPES, RegisteredEvent, event_confidence, serialize_event

__all__ = ["event_json", "event_summary", "root_path"]


def root_path(request: HTTPConnection) -> str:
    """The prefix the inspector is mounted under ("" when it is the whole app)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def event_json(entry: RegisteredEvent, root: str = "") -> dict[str, Any]:
    """What ``/api/events`` and the stream send for one buffered event (URLs under ``root``)."""
    event = entry.event
    data = serialize_event(event, include_audio=False)
    data["seq"] = entry.seq
    data["summary"] = event_summary(entry)
    if event.event_type in AUDIO_EVENT_TYPES:
        audio: Any = event
        data["audio"] = {
            "size_bytes": audio.audio_size_bytes,
            "duration_ms": audio.audio_duration_ms,
            "evicted": audio.audio_evicted,
            "url": f"{root}/api/events/{event.event_id}/audio.wav" if audio.audio_size_bytes else None,
        }
    return data


def event_summary(entry: RegisteredEvent) -> str:
    """One line that says what happened, for list rows and timeline tooltips (plain text)."""
    event: Any = entry.event
    kind = event.event_type.value
    text = getattr(event, "text", None)
    if getattr(event, "error", None) is not None or kind.endswith("_error"):
        return f"{event.error_message}" + (f" ({event.context})" if getattr(event, "context", None) else "")
    if text:
        confidence = event_confidence(event)
        return f"“{text}”" + (f" · {confidence:.2f}" if confidence is not None else "")
    if kind in ("vad_audio", "vad_partial") and event.duration_ms is not None:
        return f"{event.duration_ms:.0f} ms of speech"
    if kind == "tts_audio":
        return f"chunk {event.chunk_index}" + (" (final)" if event.is_final_chunk else "")
    if kind == "tts_synthesis_complete":
        return f"{event.synthesis_time_ms:.0f} ms to synthesize {event.audio_duration_ms or 0:.0f} ms"
    if kind in ("plugin_initialized", "plugin_closed"):
        return f"{event.plugin_type or ''} {event.provider or ''}".strip()
    if kind == "vad_speech_end":
        return f"{event.total_speech_duration_ms:.0f} ms"
    return ""
