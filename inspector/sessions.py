"""SessionTracker: per-session summaries, turn latencies and event rates, kept up to date live.

It consumes a registry subscription on the inspector's loop (never in the pipeline's threads), so
following the sessions costs the emitter nothing. Everything it keeps is bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from plugins_core import EventRegistry, RegisteredEvent, percentiles

__all__ = ["SessionSummary", "SessionTracker", "Turn"]

logger = logging.getLogger(__name__)

#: How often the tracker takes what was registered meanwhile (its queue holds 50,000 events).
FOLLOW_INTERVAL_S = 0.05
#: A session with no event for this long, or whose plugins all closed, is shown as ended.
IDLE_AFTER_S = 30.0


@dataclass(slots=True)
class Turn:
    """User stops speaking (VAD speech_end) to first synthesized audio, and its parts."""

    session_id: str
    speech_end: datetime
    transcript: datetime | None = None
    text: str | None = None
    synthesis_start: datetime | None = None
    synthesis_id: str | None = None
    first_audio: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.first_audio is not None

    def as_dict(self) -> dict[str, Any]:
        def ms(a: datetime | None, b: datetime | None) -> float | None:
            return (b - a).total_seconds() * 1000.0 if a is not None and b is not None else None

        return {
            "session_id": self.session_id,
            "speech_end": self.speech_end.isoformat(),
            "text": self.text,
            "synthesis_id": self.synthesis_id,
            "total_ms": ms(self.speech_end, self.first_audio),
            "transcription_ms": ms(self.speech_end, self.transcript),
            "response_ms": ms(self.transcript, self.synthesis_start),
            "first_audio_ms": ms(self.synthesis_start, self.first_audio),
        }


@dataclass(slots=True)
class SessionSummary:
    session_id: str
    first_seen: datetime
    last_seen: datetime
    events: int = 0
    errors: int = 0
    plugins: dict[str, str] = field(default_factory=dict)  # plugin name -> STT/TTS/VAD/STS
    closed_plugins: set[str] = field(default_factory=set)
    last_seq: int = 0
    pending_turn: Turn | None = None
    turns: deque[Turn] = field(default_factory=lambda: deque(maxlen=50))

    def live(self, now: float) -> bool:
        if self.plugins and set(self.plugins) <= self.closed_plugins:
            return False
        return now - self.last_seen.timestamp() < IDLE_AFTER_S

    def as_dict(self, now: float, buffered: int) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "plugins": [
                {"name": n, "type": t, "closed": n in self.closed_plugins} for n, t in self.plugins.items()
            ],
            "event_count": self.events,
            "buffered_events": buffered,
            "error_count": self.errors,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "duration_ms": (self.last_seen - self.first_seen).total_seconds() * 1000.0,
            "live": self.live(now),
            "last_seq": self.last_seq,
            "turns": [t.as_dict() for t in self.turns],
        }


class SessionTracker:
    """Follows a registry: sessions (at most ``max_sessions``, least recently active dropped first),
    recent turns (at most ``max_turns``) and per-second event counts for the last minute."""

    def __init__(self, registry: EventRegistry, *, max_sessions: int = 1000, max_turns: int = 1000) -> None:
        self.registry = registry
        self.max_sessions = max_sessions
        self.sessions: OrderedDict[str, SessionSummary] = OrderedDict()
        self.turns: deque[Turn] = deque(maxlen=max_turns)
        self.dropped_sessions = 0
        self.missed_events = 0  # events the tracker's own subscription lost (it says so in /api/stats)
        self.last_seq = 0
        self._rate: deque[tuple[int, int]] = deque(maxlen=61)  # (unix second, events registered in it)
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------------------ following

    @property
    def started(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Catch up with what the registry holds, then follow it live (until ``stop``)."""
        if self.started:
            return
        subscription = self.registry.subscribe(max_queue=50_000)
        for entry in self.registry.query():
            self.observe(entry)
        self._task = asyncio.get_running_loop().create_task(self._follow(subscription))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _follow(self, subscription: Any) -> None:
        try:
            while True:
                batch = await subscription.get_batch(max_items=5000)
                if batch.closed:
                    return
                self.missed_events += batch.dropped
                self._count(batch.dropped)  # lost events were registered all the same
                for entry in batch.items:
                    if entry.seq > self.last_seq:
                        self.observe(entry)
                # summaries are read every second or two: taking events in batches of 50 ms costs the
                # loop one wake-up per batch instead of one per event or two
                await asyncio.sleep(FOLLOW_INTERVAL_S)
        finally:
            subscription.close()

    def _count(self, registered: int) -> None:
        """Registrations per wall-clock second."""
        if not registered:
            return
        second = int(time.time())
        if self._rate and self._rate[-1][0] == second:
            self._rate[-1] = (second, self._rate[-1][1] + registered)
        else:
            self._rate.append((second, registered))

    def observe(self, entry: RegisteredEvent) -> None:
        event: Any = entry.event
        self._count(1)
        if entry.seq > self.last_seq:
            self.last_seq = entry.seq
        session_id = event.session_id
        if not session_id:
            return
        summary = self.sessions.get(session_id)
        if summary is None:
            summary = self.sessions[session_id] = SessionSummary(session_id, event.timestamp, event.timestamp)
            if len(self.sessions) > self.max_sessions:
                self.sessions.popitem(last=False)
                self.dropped_sessions += 1
        else:
            self.sessions.move_to_end(session_id)
        summary.events += 1
        summary.last_seq = entry.seq
        timestamp = event.timestamp
        if timestamp > summary.last_seen:
            summary.last_seen = timestamp
        elif timestamp < summary.first_seen:
            summary.first_seen = timestamp
        event_type = event.event_type
        type_name = event_type.value
        if event_type.is_error:
            summary.errors += 1
        plugin = event.plugin_name
        if plugin:
            family = event_type.family  # "plugin" for lifecycle events, which carry plugin_type instead
            own_type = family.upper() if family != "plugin" else None
            plugin_type = getattr(event, "plugin_type", None) or own_type
            if plugin_type and plugin not in summary.plugins:
                summary.plugins[plugin] = plugin_type
            if type_name == "plugin_closed":
                summary.closed_plugins.add(plugin)
        self._follow_turn(summary, type_name, event)

    def _follow_turn(self, summary: SessionSummary, type_name: str, event: Any) -> None:
        turn = summary.pending_turn
        if type_name == "vad_speech_end":
            summary.pending_turn = Turn(summary.session_id, event.timestamp)
        elif turn is None:
            return
        elif type_name == "stt_transcript" and turn.transcript is None:
            turn.transcript, turn.text = event.timestamp, event.text
        elif (
            type_name == "tts_synthesis_start"
            and turn.transcript is not None
            and turn.synthesis_start is None
        ):
            turn.synthesis_start, turn.synthesis_id = event.timestamp, event.synthesis_id
        elif (
            type_name == "tts_audio"
            and turn.synthesis_start is not None
            and event.synthesis_id == turn.synthesis_id
        ):
            turn.first_audio = event.timestamp
            summary.turns.append(turn)
            self.turns.append(turn)
            summary.pending_turn = None

    # ------------------------------------------------------------------------------- reading

    def session_list(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Most recently active first (at most ``limit``)."""
        now = time.time()
        counts = self.registry.session_counts()
        recent = itertools.islice(reversed(self.sessions.values()), limit)
        return [s.as_dict(now, counts.get(s.session_id, 0)) for s in recent]

    def session(self, session_id: str) -> dict[str, Any] | None:
        summary = self.sessions.get(session_id)
        if summary is None:
            return None
        return summary.as_dict(time.time(), self.registry.session_counts().get(session_id, 0))

    def events_per_second(self, window_s: int = 10) -> float:
        """Mean registration rate over the last ``window_s`` whole seconds."""
        now = int(time.time())
        recent = sum(count for second, count in self._rate if now - window_s <= second < now)
        return recent / window_s

    def turn_stats(self) -> dict[str, Any]:
        """p50/p95 of each part of the user-stops-speaking to first-audio latency."""
        rows = [t.as_dict() for t in self.turns]
        out: dict[str, Any] = {"turns": len(rows), "recent": rows[-10:][::-1]}
        for key in ("total_ms", "transcription_ms", "response_ms", "first_audio_ms"):
            found = percentiles((r[key] for r in rows if r[key] is not None), (50, 95))
            if found:
                out[key] = found
        return out
