"""One row per session: what a session list shows, kept up to date event by event in bounded memory.

:class:`SessionAccumulator` takes a session's events in order (live from a registry, or batch by batch
from a store) and never keeps the events themselves: counts, the first user and agent lines, the
open turn (a :class:`~plugins_core.turns.TurnTracker`), a bounded sample of turn latencies and a
bounded search text. ``to_state()``/``from_state()`` save and restore it as JSON-ready data, so that a
store can keep one per open session across batches.

A session is ended as soon as the pipeline says so: an STS ``disconnected`` event, or every plugin
seen in the session closed. There is no idle timeout: a session nobody ended stays live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from plugins_core.events import ERROR_EVENT_TYPES, BaseEvent, EventKind, EventType
from plugins_core.metrics import percentiles
from plugins_core.turns import TurnAnalysis, TurnTracker

__all__ = [
    "MAX_LATENCY_SAMPLES",
    "MAX_ORIGINS",
    "MAX_PLUGINS",
    "MAX_SEARCH_CHARS",
    "SessionAccumulator",
    "SessionOutcome",
    "SessionSummary",
]

SessionOutcome = Literal["ok", "errors", "incomplete"]

MAX_LATENCY_SAMPLES: Final = 1024
"""Turn latencies kept per session for its p50; past this, every other one is dropped and only every
2nd, 4th... later turn is kept (an even sample of the whole session). The maximum is always exact."""
MAX_SEARCH_CHARS: Final = 8192
"""Characters of search text kept per session (transcripts, replies, ids, error messages)."""
MAX_ORIGINS: Final = 16
"""Distinct event origins (host:pid, worker) listed per session."""
MAX_PLUGINS: Final = 32
"""Distinct plugins listed per session."""

# What happened, decided once per type (an attribute lookup on the enum class costs ~100 ns per event)
_STS_CONNECTED: Final = EventType.STS_CONNECTED
_STS_DISCONNECTED: Final = EventType.STS_DISCONNECTED
_PLUGIN_CLOSED: Final = EventType.PLUGIN_CLOSED
_STS_TRANSCRIPT: Final = EventType.STS_TRANSCRIPT
_CONVERSATION: Final = frozenset(
    t for t in EventType if t.kind is not EventKind.LIFECYCLE and t not in (_STS_CONNECTED, _STS_DISCONNECTED)
)
_USER_TEXT: Final = frozenset({EventType.STT_TRANSCRIPT, EventType.STS_TRANSCRIPT})
_AGENT_TEXT: Final = frozenset(
    {EventType.TTS_SYNTHESIS_START, EventType.STS_RESPONSE, EventType.STS_TRANSCRIPT}
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """A session as one row. ``turn_latency_ms`` (``p50``, ``max``) covers answered turns only: failed
    and incomplete turns are counted, never averaged in."""

    session_id: str
    started_at: datetime
    ended_at: datetime | None
    last_event_at: datetime
    duration_ms: float
    plugins: dict[str, str]  # plugin name -> family ("stt", "tts", "vad", "sts")
    origins: tuple[str, ...]
    event_count: int
    errors: int
    first_user_text: str | None
    first_agent_text: str | None
    turns: int
    failed_turns: int
    incomplete_turns: int
    turn_latency_ms: dict[str, float] | None
    outcome: SessionOutcome
    ended: bool
    has_conversation: bool
    search_text: str
    last_seq: int | None = None

    @property
    def live(self) -> bool:
        return not self.ended

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "last_event_at": self.last_event_at.isoformat(),
            "duration_ms": self.duration_ms,
            "plugins": dict(self.plugins),
            "origins": list(self.origins),
            "event_count": self.event_count,
            "errors": self.errors,
            "first_user_text": self.first_user_text,
            "first_agent_text": self.first_agent_text,
            "turns": self.turns,
            "failed_turns": self.failed_turns,
            "incomplete_turns": self.incomplete_turns,
            "turn_latency_ms": dict(self.turn_latency_ms) if self.turn_latency_ms else None,
            "outcome": self.outcome,
            "ended": self.ended,
            "live": self.live,
            "has_conversation": self.has_conversation,
            "search_text": self.search_text,
            "last_seq": self.last_seq,
        }


@dataclass(slots=True)
class _Latencies:
    """An even, bounded sample of turn latencies (ms) and their exact maximum."""

    values: list[float] = field(default_factory=list)
    stride: int = 1  # keep every stride-th turn
    seen: int = 0
    max: float | None = None

    def add(self, value: float) -> None:
        self.max = value if self.max is None else max(self.max, value)
        if self.seen % self.stride == 0:
            self.values.append(value)
            if len(self.values) > MAX_LATENCY_SAMPLES:
                self.values = self.values[::2]
                self.stride *= 2
        self.seen += 1


class SessionAccumulator:
    """Follows one session's events, in registration order, into a :class:`SessionSummary`."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.first_us: int | None = None
        self.last_us: int | None = None
        self.ended_us: int | None = None
        self.event_count = 0
        self.errors = 0
        self.plugins: dict[str, str] = {}
        self.closed_plugins: set[str] = set()
        self.origins: list[str] = []
        self.first_user_text: str | None = None
        self.first_agent_text: str | None = None
        self.ok_turns = 0
        self.failed_turns = 0
        self.incomplete_turns = 0
        self.unclean_end = False
        self.has_conversation = False
        self.search_text = ""
        self.last_seq: int | None = None
        self.tracker = TurnTracker(session_id)
        self._latencies = _Latencies()
        self._search(session_id)

    # ------------------------------------------------------------------------------ events

    def observe(self, event: BaseEvent, seq: int | None = None) -> TurnAnalysis | None:
        """Take the session's next event; returns the turn it completed, if any (a store may keep it)."""
        if event.session_id != self.session_id:
            raise ValueError(
                f"event.session_id={event.session_id!r}: this accumulator follows {self.session_id!r}"
            )
        kind = event.event_type
        us = (event.timestamp - _EPOCH) // _US
        self.first_us = us if self.first_us is None else min(self.first_us, us)
        self.last_us = us if self.last_us is None else max(self.last_us, us)
        self.event_count += 1
        if seq is not None:
            self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
        if kind in _CONVERSATION:
            self.has_conversation = True
        self._note_source(event)
        if kind in _USER_TEXT or kind in _AGENT_TEXT:
            self._note_text(event)
        if kind in ERROR_EVENT_TYPES:
            self.errors += 1
            self._search(
                getattr(event, "error_code", None), getattr(event, "error_message", None), event.event_id
            )
        done = self.tracker.observe_at(event, us)
        if kind is _STS_CONNECTED:
            self.ended_us, self.unclean_end = None, False  # (re)connected: live again
        elif kind is _STS_DISCONNECTED:
            self.ended_us = us
            self.unclean_end = not getattr(event, "was_clean", True)
        elif kind is _PLUGIN_CLOSED and self.plugins and set(self.plugins) <= self.closed_plugins:
            self.ended_us = us
            done = done or self.tracker.finish()
        if done is not None:
            self._count(done)
        return done

    def _note_source(self, event: BaseEvent) -> None:
        name = event.plugin_name
        if name:
            if name not in self.plugins and len(self.plugins) < MAX_PLUGINS:
                family = event.event_type.family
                if family == "plugin":
                    family = (getattr(event, "plugin_type", None) or "plugin").lower()
                self.plugins[name] = family
                self._search(name)
            if event.event_type is _PLUGIN_CLOSED:
                self.closed_plugins.add(name)
        origin = event.origin
        if origin is not None and origin.label not in self.origins and len(self.origins) < MAX_ORIGINS:
            self.origins.append(origin.label)
            self._search(origin.label)

    def _note_text(self, event: Any) -> None:
        """A transcript (the user's, or an STS's of either side) or the agent's reply."""
        kind = event.event_type
        if kind in _USER_TEXT and (kind is not EventType.STS_TRANSCRIPT or event.is_user):
            self.first_user_text = self.first_user_text or event.text or None
        else:
            self.first_agent_text = self.first_agent_text or event.text or None
        self._search(event.text)

    def _search(self, *pieces: str | None) -> None:
        for piece in pieces:
            if not piece:
                continue
            text = piece.lower()
            if text in self.search_text:
                continue
            room = MAX_SEARCH_CHARS - len(self.search_text) - 1
            if room <= 0:
                return
            self.search_text = f"{self.search_text}\n{text[:room]}" if self.search_text else text[:room]

    def _count(self, turn: TurnAnalysis) -> None:
        if turn.status == "ok":
            self.ok_turns += 1
            if turn.latency is not None:
                self._latencies.add(turn.latency.total_ms)
        elif turn.status == "failed":
            self.failed_turns += 1
        else:
            self.incomplete_turns += 1

    # ------------------------------------------------------------------------------ reading

    @property
    def ended(self) -> bool:
        return self.ended_us is not None

    def summary(self) -> SessionSummary:
        """The row as of the last event; a turn still open counts as soon as it is answered or failed."""
        if self.first_us is None or self.last_us is None:
            raise ValueError(f"session {self.session_id!r}: no event observed yet")
        failed, incomplete = self.failed_turns, self.incomplete_turns
        latencies, top = self._latencies.values, self._latencies.max
        current = None if self.ended else self.tracker.current()
        if current is not None and current.status == "failed":
            failed += 1
        elif current is not None and current.status == "ok" and current.latency is not None:
            latencies = [*latencies, current.latency.total_ms]
            top = max(top or 0.0, current.latency.total_ms)
        if self.errors or failed:
            outcome: SessionOutcome = "errors"
        elif incomplete or self.unclean_end:
            outcome = "incomplete"
        else:
            outcome = "ok"
        stats = None
        if latencies and top is not None:
            stats = {"p50": percentiles(latencies, (50,))["p50"], "max": top}
        return SessionSummary(
            session_id=self.session_id,
            started_at=_at(self.first_us),
            ended_at=_at(self.ended_us) if self.ended_us is not None else None,
            last_event_at=_at(self.last_us),
            duration_ms=(self.last_us - self.first_us) / 1000.0,
            plugins=dict(self.plugins),
            origins=tuple(self.origins),
            event_count=self.event_count,
            errors=self.errors,
            first_user_text=self.first_user_text,
            first_agent_text=self.first_agent_text,
            turns=self.tracker.turns_started,
            failed_turns=failed,
            incomplete_turns=incomplete,
            turn_latency_ms=stats,
            outcome=outcome,
            ended=self.ended,
            has_conversation=self.has_conversation,
            search_text=self.search_text,
            last_seq=self.last_seq,
        )

    # ------------------------------------------------------------------------------ state

    def to_state(self) -> dict[str, Any]:
        """Everything the accumulator holds, as JSON-ready data (bounded: no event is kept)."""
        return {
            "session_id": self.session_id,
            "first_us": self.first_us,
            "last_us": self.last_us,
            "ended_us": self.ended_us,
            "event_count": self.event_count,
            "errors": self.errors,
            "plugins": dict(self.plugins),
            "closed_plugins": sorted(self.closed_plugins),
            "origins": list(self.origins),
            "first_user_text": self.first_user_text,
            "first_agent_text": self.first_agent_text,
            "ok_turns": self.ok_turns,
            "failed_turns": self.failed_turns,
            "incomplete_turns": self.incomplete_turns,
            "unclean_end": self.unclean_end,
            "has_conversation": self.has_conversation,
            "search_text": self.search_text,
            "last_seq": self.last_seq,
            "latencies": {
                "values": list(self._latencies.values),
                "stride": self._latencies.stride,
                "seen": self._latencies.seen,
                "max": self._latencies.max,
            },
            "tracker": self.tracker.to_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SessionAccumulator:
        try:
            accumulator = cls(state["session_id"])
            for name in (
                "first_us", "last_us", "ended_us", "event_count", "errors", "first_user_text",
                "first_agent_text", "ok_turns", "failed_turns", "incomplete_turns", "unclean_end",
                "has_conversation", "search_text", "last_seq",
            ):  # fmt: skip
                setattr(accumulator, name, state[name])
            accumulator.plugins = dict(state["plugins"])
            accumulator.closed_plugins = set(state["closed_plugins"])
            accumulator.origins = list(state["origins"])
            accumulator._latencies = _Latencies(**state["latencies"])
            accumulator.tracker = TurnTracker.from_state(state["tracker"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"state: not a SessionAccumulator state ({type(exc).__name__}: {exc})") from None
        return accumulator


def _at(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)
