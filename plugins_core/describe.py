"""One-line descriptions of events, decided once here for every view.

The inspector's list rows, timeline tooltips, detail headers and exported HTML files all show the
same line for an event, so that a transcript, a synthesis chunk or an error reads the same
everywhere. The page receives it with each event (``summary``, ``summary_quiet``) and never builds a
second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins_core.events import BaseEvent, EventType

__all__ = ["EventDescription", "describe_event", "format_duration_ms"]


@dataclass(frozen=True, slots=True)
class EventDescription:
    """What happened, in one line of plain text.

    ``quiet`` is True when the line is secondary information (timings, chunk numbers) rather than
    something a person said, heard or should act on (a transcript, a reply, an error).
    """

    text: str
    quiet: bool
    confidence: float | None = None


def format_duration_ms(ms: float | None) -> str:
    """``640 ms``, ``1.24 s``, ``12.3 s``, ``2m 03s``, ``1h 05m`` (``-`` when unknown)."""
    if ms is None or ms != ms:  # None or NaN
        return "-"
    size = abs(ms)
    if size < 1:
        return f"{ms:.2f} ms"
    if size < 1000:
        return f"{ms:.0f} ms"
    if size < 10_000:
        return f"{ms / 1000:.2f} s"
    if size < 60_000:
        return f"{ms / 1000:.1f} s"
    if size < 3_600_000:
        return f"{int(ms // 60_000)}m {int(ms % 60_000 // 1000):02d}s"
    return f"{int(ms // 3_600_000)}h {int(ms % 3_600_000 // 60_000):02d}m"


def _error_line(event: Any) -> str:
    error = getattr(event, "error", None)
    message = str(error) if error is not None else "Unknown error"
    context = getattr(event, "context", None)
    return f"{message} ({context})" if context else message


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


def describe_event(event: BaseEvent) -> EventDescription:
    """The one line that says what ``event`` is about (plain text; views escape it)."""
    event_type = event.event_type
    e: Any = event
    if event_type.is_error:
        return EventDescription(_error_line(e), quiet=False)
    text = getattr(e, "text", None)
    if isinstance(text, str) and text:
        confidence = getattr(e, "confidence", None)
        return EventDescription(f"“{text}”", quiet=False, confidence=confidence)
    line = _QUIET.get(event_type, _nothing)(e)
    return EventDescription(line, quiet=True)


def _nothing(_: Any) -> str:
    return ""


def _speech_audio(e: Any) -> str:
    return f"{format_duration_ms(e.duration_ms)} of speech" if e.duration_ms is not None else "speech audio"


def _audio_length(e: Any) -> str:
    duration = e.audio_duration_ms
    if duration is not None:
        return format_duration_ms(duration)
    return "audio evicted" if e.audio_evicted else "audio"


_QUIET: dict[EventType, Any] = {
    EventType.VAD_AUDIO: _speech_audio,
    EventType.VAD_PARTIAL: _speech_audio,
    EventType.VAD_SPEECH_START: lambda e: f"speech started · p={e.speech_probability:.2f}",
    EventType.VAD_SPEECH_END: lambda e: (
        f"speech ended after {format_duration_ms(e.total_speech_duration_ms)}"
    ),
    EventType.TTS_AUDIO: lambda e: _join(
        f"chunk {e.chunk_index}" + (" (final)" if e.is_final_chunk else ""),
        format_duration_ms(e.audio_duration_ms) if e.audio_duration_ms is not None else None,
    ),
    EventType.TTS_SYNTHESIS_START: lambda e: _join("synthesis started", e.voice_id),
    EventType.TTS_SYNTHESIS_COMPLETE: lambda e: (
        f"{format_duration_ms(e.synthesis_time_ms)} to synthesize "
        f"{format_duration_ms(e.audio_duration_ms or 0.0)}"
    ),
    EventType.PLUGIN_INITIALIZED: lambda e: _join(e.plugin_type, e.provider),
    EventType.PLUGIN_CLOSED: lambda e: _join(e.plugin_type, e.provider, e.reason),
    EventType.STT_CONNECTION: lambda e: e.connection_state or "",
    EventType.TTS_CONNECTION: lambda e: e.connection_state or "",
    EventType.STS_CONNECTED: lambda e: _join(e.provider),
    EventType.STS_DISCONNECTED: lambda e: _join(e.provider, e.reason),
    EventType.STS_AUDIO_INPUT: _audio_length,
    EventType.STS_AUDIO_OUTPUT: _audio_length,
    EventType.STS_CONVERSATION_ITEM: lambda e: _join(e.role, e.item_type, e.status),
}
