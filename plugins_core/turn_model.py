"""What a turn analysis says: the user's speech, the transcript, errors, the agent's reply and the
latency waterfall, as frozen dataclasses with a JSON-ready ``as_dict()``.

Made by :mod:`plugins_core.turns`; durations inside the waterfall are integer microseconds (event
times have microsecond resolution), so that its parts add up to the total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final, Literal

__all__ = [
    "PART_LABELS",
    "PART_NAMES",
    "AgentReply",
    "LatencyPart",
    "Span",
    "Transcript",
    "TurnAnalysis",
    "TurnError",
    "TurnLatency",
    "TurnStatus",
    "UserSpeech",
]

TurnStatus = Literal["ok", "failed", "incomplete"]

PART_NAMES: Final = ("endpointing", "transcription", "response", "synthesis", "output", "unattributed")
"""The waterfall's parts, in order; each but the last ends at a milestone of the turn."""
PART_LABELS: Final = {
    "endpointing": "endpointing wait",
    "transcription": "transcription",
    "response": "response",
    "synthesis": "synthesis to first chunk",
    "output": "output",
    "unattributed": "unattributed",
}


def _ms(us: int) -> float:
    return us / 1000.0


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    as_dict = getattr(value, "as_dict", None)
    return as_dict() if callable(as_dict) else value


def _fields_dict(obj: Any, **extra: Any) -> dict[str, Any]:
    """A dataclass's fields as JSON-ready values (times as ISO-8601 strings), plus ``extra``."""
    out = {f.name: _jsonable(getattr(obj, f.name)) for f in fields(obj)}
    out.update({key: _jsonable(value) for key, value in extra.items()})
    return out


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) / timedelta(milliseconds=1)

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self, duration_ms=self.duration_ms)


@dataclass(frozen=True, slots=True)
class LatencyPart:
    """One bar of the waterfall: ``us`` long, starting ``start_us`` after the start of the total."""

    name: str
    us: int
    start_us: int
    note: str | None = None

    @property
    def label(self) -> str:
        return PART_LABELS[self.name]

    @property
    def ms(self) -> float:
        return _ms(self.us)

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self, label=self.label, ms=self.ms, start_ms=_ms(self.start_us))


@dataclass(frozen=True, slots=True)
class TurnLatency:
    """True end of the user's speech -> first agent audio out; ``sum(p.us for p in parts) == total_us``."""

    start: datetime
    end: datetime
    total_us: int
    parts: tuple[LatencyPart, ...]
    notes: tuple[str, ...] = ()

    @property
    def total_ms(self) -> float:
        return _ms(self.total_us)

    def part(self, name: str) -> LatencyPart:
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(f"part={name!r}: expected one of {', '.join(PART_NAMES)}")

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self, total_ms=self.total_ms)


@dataclass(frozen=True, slots=True)
class UserSpeech:
    """``span``: VAD speech start -> true end (start + speech duration); ``decided_at``: VAD speech_end."""

    span: Span | None
    decided_at: datetime | None
    speech_ms: float | None
    start_event_id: str | None
    end_event_id: str | None
    segment_event_id: str | None  # the VAD's audio segment: what the recognizer heard
    input_event_id: str | None  # the same audio, reported by an STS as audio_input

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class Transcript:
    """The final transcript, with the partial transcripts that preceded it collapsed under it."""

    text: str | None
    at: datetime | None
    event_id: str | None
    confidence: float | None
    partial_ids: tuple[str, ...]  # the newest ones (all are counted in partial_count)
    partial_count: int
    last_partial: str | None
    sts_event_id: str | None = None  # the same transcript reported by an STS

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class TurnError:
    """An error inside a turn, with what the recognizer heard and the audio it failed on."""

    event_id: str
    event_type: str
    plugin_name: str | None
    message: str
    code: str | None
    context: str | None
    at: datetime
    heard: str | None  # the recognizer's last partial transcript (its best guess) before the error
    audio_event_id: str | None  # the turn's VAD segment: the audio that failed

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class AgentReply:
    """What the agent said back; ``speaking`` runs from the first audio out to the end of the last
    audio out (start + its duration), as the pipeline reported playback."""

    text: str | None
    synthesis_id: str | None
    started_at: datetime | None
    start_event_id: str | None
    response_event_id: str | None
    first_chunk_at: datetime | None
    first_chunk_event_id: str | None
    first_audio_out_at: datetime | None
    first_audio_out_event_id: str | None
    playback_reported: bool  # False: nothing reported playback, the first synthesized chunk stands in
    speaking: Span | None
    audio_ms: float | None
    complete_event_id: str | None
    syntheses: int

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class TurnAnalysis:
    """One turn: ``ok`` (understood and answered), ``failed`` (an error, or nothing understood; left out
    of latency statistics) or ``incomplete`` (no agent audio out). ``in_progress``: still open."""

    session_id: str | None
    index: int
    status: TurnStatus
    in_progress: bool
    user: UserSpeech
    transcript: Transcript
    errors: tuple[TurnError, ...]
    error_count: int
    agent: AgentReply
    latency: TurnLatency | None
    notes: tuple[str, ...] = ()
    event_ids: dict[str, str] = field(default_factory=dict)  # role -> id of every key event

    @property
    def error(self) -> TurnError | None:
        return self.errors[0] if self.errors else None

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)
