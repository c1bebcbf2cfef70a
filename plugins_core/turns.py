"""Turns of a conversation, read from its events: who said what, what went wrong, and where the
silence the user heard went.

A turn starts when the user starts speaking (VAD ``speech_start``; a user transcript when there is
no VAD) and ends when the next one starts or the session ends. Its latency runs from the true end of
the user's speech (speech start + the speech duration the VAD reports, in audio time; not the moment
the VAD decided, which comes after the silence it waits for) to the first agent audio out (playback
as the pipeline reports it with ``sts_audio_output``; the first synthesized chunk when nothing
reports playback). It is split into parts that add up exactly, in integer microseconds:

    endpointing (speech truly ended -> VAD speech_end), transcription (-> final transcript, or the
    recognizer's error), response (-> synthesis start), synthesis (-> first synthesized chunk),
    output (-> first audio out), unattributed (time between two events when one in between is
    missing: shown, never hidden).

Events stamped out of order (clock skew, a recognizer that finished before the VAD decided) are
clamped so that no part is negative; each clamp is named in ``notes``. Pure: no I/O, no clock.
:class:`TurnTracker` follows one session incrementally (bounded state, serializable);
:func:`analyze_turns` runs it over a list of events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from plugins_core.events import ERROR_EVENT_TYPES, BaseEvent, EventType
from plugins_core.turn_model import (
    PART_LABELS,
    PART_NAMES,
    AgentReply,
    LatencyPart,
    Span,
    Transcript,
    TurnAnalysis,
    TurnError,
    TurnLatency,
    TurnStatus,
    UserSpeech,
)

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
    "TurnTracker",
    "UserSpeech",
    "analyze_turns",
]

#: What marks the end of each part, in order (the total starts at the true end of the user's speech).
_MILESTONES: Final = ("VAD speech end", "final transcript", "synthesis start", "first synthesized chunk")
MAX_PARTIAL_IDS: Final = 50
"""Ids of the newest partial transcripts kept per turn (all are counted)."""
MAX_TURN_ERRORS: Final = 8
"""Errors kept per turn (all are counted)."""
MAX_AGENT_TEXT: Final = 2000
"""Characters of the agent's reply kept per turn (several syntheses are joined)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Enum members as module constants: an attribute lookup on the enum class costs ~100 ns per event
_STS_CONNECTED: Final = EventType.STS_CONNECTED
_STS_DISCONNECTED: Final = EventType.STS_DISCONNECTED
_STS_AUDIO_OUTPUT: Final = EventType.STS_AUDIO_OUTPUT
_STS_TRANSCRIPT: Final = EventType.STS_TRANSCRIPT
_STS_RESPONSE: Final = EventType.STS_RESPONSE
_STT_ERROR: Final = EventType.STT_ERROR
_VAD_AUDIO: Final = EventType.VAD_AUDIO
_US: Final = timedelta(microseconds=1)


def _us(when: datetime) -> int:
    """Exact microseconds since the epoch (datetime's own resolution: differences are exact)."""
    return (when - _EPOCH) // _US


def _at(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _ms(us: int) -> float:
    return us / 1000.0


# ------------------------------------------------------------------------------------ tracking


@dataclass(slots=True)
class _Turn:
    """What the tracker keeps of the open turn: primitives only (times in epoch microseconds), so
    that it serializes as it is."""

    index: int
    speech_start_us: int | None = None
    speech_start_id: str | None = None
    speech_ms: float | None = None
    speech_end_us: int | None = None
    speech_end_id: str | None = None
    segment_id: str | None = None
    input_id: str | None = None
    partial_ids: list[str] = field(default_factory=list)
    partial_count: int = 0
    last_partial: str | None = None
    transcript_text: str | None = None
    transcript_us: int | None = None
    transcript_id: str | None = None
    transcript_confidence: float | None = None
    sts_transcript_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    agent_text: str | None = None
    synthesis_id: str | None = None
    synthesis_us: int | None = None
    synthesis_event_id: str | None = None
    response_event_id: str | None = None
    syntheses: int = 0
    first_chunk_us: int | None = None
    first_chunk_id: str | None = None
    chunk_ms: float = 0.0
    complete_id: str | None = None
    complete_audio_ms: float | None = None
    first_out_us: int | None = None
    first_out_id: str | None = None
    out_end_us: int | None = None

    @property
    def has_user(self) -> bool:
        return self.speech_start_us is not None or self.speech_end_us is not None or self.has_verdict

    @property
    def has_verdict(self) -> bool:
        return self.transcript_us is not None

    @property
    def replied(self) -> bool:
        return self.synthesis_us is not None or self.first_out_us is not None


class TurnTracker:
    """Follows the events of one session, in order, and hands back each turn as it completes.

    Bounded: it keeps the open turn only (at most ``MAX_PARTIAL_IDS`` partial ids and
    ``MAX_TURN_ERRORS`` errors of it). ``to_state()``/``from_state()`` save and restore it as JSON-ready
    data, for a store that follows a session across batches.
    """

    def __init__(self, session_id: str | None = None) -> None:
        self.session_id = session_id
        self.turns_started = 0
        self.reports_playback = False  # an STS reports playback (sts_audio_output) in this session
        self.previous_reply: str | None = None  # synthesis id of the last closed turn's reply
        self._turn: _Turn | None = None

    def observe(self, event: BaseEvent) -> TurnAnalysis | None:
        """Take the session's next event; returns the turn it completed, if it completed one."""
        return self.observe_at(event, _us(event.timestamp))

    def observe_at(self, event: BaseEvent, us: int) -> TurnAnalysis | None:
        """:meth:`observe` with the event's time already in epoch microseconds (saves converting twice)."""
        kind = event.event_type
        if self.session_id is None:
            self.session_id = event.session_id
        if kind is _STS_CONNECTED or kind is _STS_AUDIO_OUTPUT:
            self.reports_playback = True
        if kind is _STS_DISCONNECTED:
            return self.finish()
        handler = _HANDLERS.get(kind)
        if handler is not None:
            return handler(self, event, us)
        if kind in ERROR_EVENT_TYPES:
            return self._on_error(event, us)
        return None

    def finish(self) -> TurnAnalysis | None:
        """The session ended: the open turn (if any) is complete as it stands."""
        turn, self._turn = self._turn, None
        if turn is None:
            return None
        self.previous_reply = turn.synthesis_id or self.previous_reply
        return _analyze(turn, self.session_id, self.reports_playback, False)

    def current(self) -> TurnAnalysis | None:
        """The open turn as it stands now (``in_progress``), for a live view."""
        turn = self._turn
        return None if turn is None else _analyze(turn, self.session_id, self.reports_playback, True)

    # ------------------------------------------------------------------------- state

    def to_state(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "turns_started": self.turns_started,
            "reports_playback": self.reports_playback,
            "previous_reply": self.previous_reply,
            "turn": asdict(self._turn) if self._turn is not None else None,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TurnTracker:
        tracker = cls(state.get("session_id"))
        tracker.turns_started = int(state.get("turns_started", 0))
        tracker.reports_playback = bool(state.get("reports_playback", False))
        tracker.previous_reply = state.get("previous_reply")
        turn = state.get("turn")
        if turn is not None:
            known = {f.name for f in fields(_Turn)}
            unknown = set(turn) - known
            if unknown:
                raise ValueError(f"state.turn: unknown fields {sorted(unknown)}")
            tracker._turn = _Turn(**turn)
        return tracker

    # ------------------------------------------------------------------------- events

    def _open(self) -> _Turn:
        if self._turn is None:
            self._turn = _Turn(self.turns_started)
            self.turns_started += 1
        return self._turn

    def _start_new(self) -> TurnAnalysis | None:
        """Close the open turn (if it holds anything) and open a fresh one."""
        done = None
        if self._turn is not None and (self._turn.has_user or self._turn.replied):
            done = self.finish()
        self._open()
        return done

    def _on_speech_start(self, event: Any, us: int) -> TurnAnalysis | None:
        done = self._start_new()
        turn = self._open()
        turn.speech_start_us, turn.speech_start_id = us, event.event_id
        return done

    def _on_speech_end(self, event: Any, us: int) -> TurnAnalysis | None:
        done = self._start_new() if self._turn is not None and self._turn.speech_end_us is not None else None
        turn = self._open()
        turn.speech_end_us, turn.speech_end_id = us, event.event_id
        turn.speech_ms = float(event.total_speech_duration_ms)
        return done

    def _on_segment(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._open()
        if event.event_type is _VAD_AUDIO:
            turn.segment_id = turn.segment_id or event.event_id
        else:
            turn.input_id = turn.input_id or event.event_id
        return None

    def _on_partial(self, event: Any, us: int) -> TurnAnalysis | None:
        done = self._start_new() if self._turn is not None and self._turn.replied else None
        turn = self._open()
        turn.partial_count += 1
        turn.partial_ids.append(event.event_id)
        del turn.partial_ids[:-MAX_PARTIAL_IDS]
        if event.text:
            turn.last_partial = event.text
        return done

    def _on_transcript(self, event: Any, us: int) -> TurnAnalysis | None:
        if event.event_type is _STS_TRANSCRIPT and not event.is_user:
            turn = self._open()
            if turn.agent_text is None and event.text:
                turn.agent_text = event.text[:MAX_AGENT_TEXT]
            return None
        open_turn = self._turn
        if event.event_type is _STS_TRANSCRIPT and open_turn is not None and _mirrors(event, open_turn):
            open_turn.sts_transcript_id = event.event_id  # an STS reporting the recognizer's transcript
            return None
        answered = open_turn is not None and (open_turn.replied or open_turn.has_verdict)
        done = self._start_new() if answered else None
        turn = self._open()
        turn.transcript_text, turn.transcript_us = event.text, us
        turn.transcript_confidence = event.confidence
        if event.event_type is _STS_TRANSCRIPT:
            turn.sts_transcript_id = event.event_id
        else:
            turn.transcript_id = event.event_id
        return done

    def _on_reply(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._open()
        if event.event_type is _STS_RESPONSE:
            if turn.synthesis_id is not None and event.response_id == turn.synthesis_id:
                turn.response_event_id = event.event_id  # an STS reporting the TTS synthesis
                return None
            synthesis_id = event.response_id
        else:
            synthesis_id = event.synthesis_id
        turn.syntheses += 1
        if event.text:
            text = event.text if turn.agent_text is None else f"{turn.agent_text} {event.text}"
            turn.agent_text = text[:MAX_AGENT_TEXT]
        if turn.synthesis_us is None:
            turn.synthesis_us, turn.synthesis_id = us, synthesis_id
            if event.event_type is _STS_RESPONSE:
                turn.response_event_id = event.event_id
            else:
                turn.synthesis_event_id = event.event_id
        return None

    def _on_chunk(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._turn
        if turn is None or not _same(event.synthesis_id, turn.synthesis_id):
            return None  # audio of an earlier turn's reply, or of a second synthesis of this one
        turn.chunk_ms += event.audio_duration_ms or 0.0
        if turn.first_chunk_us is None:
            turn.first_chunk_us, turn.first_chunk_id = us, event.event_id
        return None

    def _on_complete(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._turn
        if turn is not None and _same(event.synthesis_id, turn.synthesis_id):
            turn.complete_id = turn.complete_id or event.event_id
            turn.complete_audio_ms = (turn.complete_audio_ms or 0.0) + (event.audio_duration_ms or 0.0)
        return None

    def _on_audio_out(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._turn
        if turn is None or (event.response_id is not None and event.response_id == self.previous_reply):
            return None  # the previous turn's reply still playing (the user spoke over it)
        if turn.first_out_us is None:
            turn.first_out_us, turn.first_out_id = us, event.event_id
        end = us + round((event.audio_duration_ms or 0.0) * 1000.0)
        turn.out_end_us = end if turn.out_end_us is None else max(turn.out_end_us, end)
        return None

    def _on_error(self, event: Any, us: int) -> TurnAnalysis | None:
        turn = self._turn
        if turn is None:
            return None  # an error outside any turn (at connect, at close): the session counts it
        turn.error_count += 1
        if event.event_type is _STT_ERROR and turn.transcript_us is None:
            turn.transcript_us = us  # the recognizer's verdict: the turn's transcription ends here
        if len(turn.errors) < MAX_TURN_ERRORS:
            turn.errors.append(
                {
                    "event_id": event.event_id,
                    "event_type": event.event_type.value,
                    "plugin_name": event.plugin_name,
                    "message": getattr(event, "error_message", None) or "Unknown error",
                    "code": getattr(event, "error_code", None),
                    "context": getattr(event, "context", None),
                    "us": us,
                    "heard": turn.last_partial,
                }
            )
        return None


def _mirrors(event: Any, turn: _Turn) -> bool:
    """An STS user transcript that reports the recognizer's final transcript of this turn."""
    return (
        turn.transcript_id is not None
        and event.conversation_item_id in (turn.transcript_id, None)
        and event.text == turn.transcript_text
    )


def _same(a: str | None, b: str | None) -> bool:
    """Ids that do not contradict each other (a missing id matches)."""
    return a is None or b is None or a == b


_Handler = Callable[[TurnTracker, Any, int], "TurnAnalysis | None"]
_HANDLERS: dict[EventType, _Handler] = {
    EventType.VAD_SPEECH_START: TurnTracker._on_speech_start,
    EventType.VAD_SPEECH_END: TurnTracker._on_speech_end,
    EventType.VAD_AUDIO: TurnTracker._on_segment,
    EventType.STS_AUDIO_INPUT: TurnTracker._on_segment,
    EventType.STT_PARTIAL_TRANSCRIPT: TurnTracker._on_partial,
    EventType.STT_TRANSCRIPT: TurnTracker._on_transcript,
    EventType.STS_TRANSCRIPT: TurnTracker._on_transcript,
    EventType.TTS_SYNTHESIS_START: TurnTracker._on_reply,
    EventType.STS_RESPONSE: TurnTracker._on_reply,
    EventType.TTS_AUDIO: TurnTracker._on_chunk,
    EventType.TTS_SYNTHESIS_COMPLETE: TurnTracker._on_complete,
    EventType.STS_AUDIO_OUTPUT: TurnTracker._on_audio_out,
}


def analyze_turns(events: Iterable[BaseEvent]) -> list[TurnAnalysis]:
    """Every turn of the events (in registration order), including the last one still open.

    Events of several sessions are told apart by their session id; turns come session by session.
    """
    trackers: dict[str | None, TurnTracker] = {}
    found: dict[str | None, list[TurnAnalysis]] = {}
    for event in events:
        tracker = trackers.get(event.session_id)
        if tracker is None:
            tracker = trackers[event.session_id] = TurnTracker(event.session_id)
            found[event.session_id] = []
        done = tracker.observe(event)
        if done is not None:
            found[event.session_id].append(done)
    for session, tracker in trackers.items():
        last = tracker.finish()
        if last is not None:
            found[session].append(last)
    return [turn for turns in found.values() for turn in turns]


# ------------------------------------------------------------------------------------ analysis


def _analyze(turn: _Turn, session_id: str | None, reports_playback: bool, open_: bool) -> TurnAnalysis:
    notes: list[str] = []
    speech_span = None
    true_end_us = None
    if turn.speech_start_us is not None and turn.speech_ms is not None:
        true_end_us = turn.speech_start_us + round(turn.speech_ms * 1000.0)
        if turn.speech_end_us is not None and true_end_us > turn.speech_end_us:
            notes.append(
                f"speech start + duration falls {_ms(true_end_us - turn.speech_end_us):.1f} ms after the VAD "
                "decided it had ended (audio not processed in real time): the decision is taken as the end"
            )
            true_end_us = turn.speech_end_us
        speech_span = Span(_at(turn.speech_start_us), _at(true_end_us))
    playback_reported = reports_playback and turn.first_out_us is not None
    out_us = turn.first_out_us
    if out_us is None and not reports_playback and turn.first_chunk_us is not None:
        out_us = turn.first_chunk_us  # nothing reports playback: the first synthesized chunk is the audio out
        notes.append("playback not reported: the first synthesized chunk is taken as the first audio out")
    errors = tuple(_error(e, turn.segment_id) for e in turn.errors)
    if errors or (turn.has_user and not turn.has_verdict and (turn.replied or not open_)):
        status: TurnStatus = "failed"
        if not errors:
            notes.append("nothing was recognized in the user's speech")
    elif out_us is None:
        status = "incomplete"
    else:
        status = "ok"
    latency = None
    if out_us is not None and turn.has_user:
        latency = _latency(turn, true_end_us, out_us, notes)
    speaking = None
    if turn.first_out_us is not None and turn.out_end_us is not None:
        speaking = Span(_at(turn.first_out_us), _at(max(turn.out_end_us, turn.first_out_us)))
    elif out_us is not None:
        audio_ms = turn.complete_audio_ms if turn.complete_audio_ms is not None else turn.chunk_ms
        speaking = Span(_at(out_us), _at(out_us + round(audio_ms * 1000.0)))
    agent = AgentReply(
        text=turn.agent_text,
        synthesis_id=turn.synthesis_id,
        started_at=_maybe_at(turn.synthesis_us),
        start_event_id=turn.synthesis_event_id,
        response_event_id=turn.response_event_id,
        first_chunk_at=_maybe_at(turn.first_chunk_us),
        first_chunk_event_id=turn.first_chunk_id,
        first_audio_out_at=_maybe_at(out_us),
        first_audio_out_event_id=turn.first_out_id if playback_reported else turn.first_chunk_id,
        playback_reported=playback_reported,
        speaking=speaking,
        audio_ms=turn.complete_audio_ms if turn.complete_audio_ms is not None else (turn.chunk_ms or None),
        complete_event_id=turn.complete_id,
        syntheses=turn.syntheses,
    )
    user = UserSpeech(
        span=speech_span,
        decided_at=_maybe_at(turn.speech_end_us),
        speech_ms=turn.speech_ms,
        start_event_id=turn.speech_start_id,
        end_event_id=turn.speech_end_id,
        segment_event_id=turn.segment_id,
        input_event_id=turn.input_id,
    )
    transcript = Transcript(
        text=turn.transcript_text,
        at=_maybe_at(turn.transcript_us) if turn.transcript_text is not None else None,
        event_id=turn.transcript_id,
        confidence=turn.transcript_confidence,
        partial_ids=tuple(turn.partial_ids),
        partial_count=turn.partial_count,
        last_partial=turn.last_partial,
        sts_event_id=turn.sts_transcript_id,
    )
    return TurnAnalysis(
        session_id=session_id,
        index=turn.index,
        status=status,
        in_progress=open_,
        user=user,
        transcript=transcript,
        errors=errors,
        error_count=turn.error_count,
        agent=agent,
        latency=latency,
        notes=tuple(notes),
        event_ids=_event_ids(user, transcript, errors, agent),
    )


def _maybe_at(us: int | None) -> datetime | None:
    return None if us is None else _at(us)


def _error(data: dict[str, Any], segment_id: str | None) -> TurnError:
    return TurnError(
        event_id=data["event_id"],
        event_type=data["event_type"],
        plugin_name=data["plugin_name"],
        message=data["message"],
        code=data["code"],
        context=data["context"],
        at=_at(data["us"]),
        heard=data["heard"],
        audio_event_id=segment_id,
    )


def _latency(turn: _Turn, true_end_us: int | None, out_us: int, notes: list[str]) -> TurnLatency:
    """The waterfall: consecutive milestones clamped into order, parts between present neighbours,
    gaps across missing ones unattributed."""
    milestones = [true_end_us, turn.speech_end_us, turn.transcript_us, turn.synthesis_us, turn.first_chunk_us]
    start_us = next(m for m in [*milestones, out_us] if m is not None)
    if true_end_us is None:
        first = "VAD speech end" if turn.speech_end_us is not None else "the first event after the speech"
        notes.append(f"speech start or duration not seen: the latency starts at {first}")
    total_us = max(0, out_us - start_us)
    if out_us < start_us:
        notes.append(
            f"first audio out is stamped {_ms(start_us - out_us):.1f} ms before the user's speech ended "
            "(clock skew or overlapping speech): total shown as 0"
        )
    end_us = start_us + total_us
    sizes = dict.fromkeys(PART_NAMES, 0)
    starts: dict[str, int | None] = dict.fromkeys(PART_NAMES, None)
    part_notes: dict[str, str] = {}
    cursor, last_index = start_us, 0 if true_end_us is not None else None
    for index, mark in enumerate([*milestones[1:], out_us], start=1):
        if mark is None:
            continue
        clamped = min(max(mark, cursor), end_us)
        name = PART_NAMES[index - 1]
        if last_index is None:
            pass  # the milestone the total starts at
        elif last_index == index - 1:
            sizes[name] += clamped - cursor
            starts[name] = cursor - start_us
            if mark < cursor and total_us:
                part_notes[name] = (
                    f"{_label(index)} stamped {_ms(cursor - mark):.1f} ms before {_label(index - 1)} "
                    "(out of order or clock skew): shown as 0"
                )
        else:
            if clamped > cursor:
                sizes["unattributed"] += clamped - cursor
                starts["unattributed"] = (
                    cursor - start_us if starts["unattributed"] is None else starts["unattributed"]
                )
            missing = ", ".join(_label(i) for i in range(last_index + 1, index))
            notes.append(f"not seen: {missing}; the time across it is unattributed")
        cursor, last_index = clamped, index
    parts = tuple(
        LatencyPart(name, sizes[name], _or(starts[name], total_us), part_notes.get(name))
        for name in PART_NAMES
    )
    return TurnLatency(_at(start_us), _at(end_us), total_us, parts, tuple(notes))


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _label(index: int) -> str:
    """The milestone that ends part ``index - 1``: 0 is the true end of speech, 5 the first audio out."""
    if index == 0:
        return "the end of the user's speech"
    return _MILESTONES[index - 1] if index <= len(_MILESTONES) else "first audio out"


def _event_ids(
    user: UserSpeech, transcript: Transcript, errors: tuple[TurnError, ...], agent: AgentReply
) -> dict[str, str]:
    """Every key event of the turn by role, so that a page can link to it."""
    ids = {
        "speech_start": user.start_event_id,
        "speech_end": user.end_event_id,
        "segment": user.segment_event_id,
        "audio_input": user.input_event_id,
        "transcript": transcript.event_id,
        "sts_transcript": transcript.sts_event_id,
        "error": errors[0].event_id if errors else None,
        "synthesis_start": agent.start_event_id,
        "response": agent.response_event_id,
        "first_chunk": agent.first_chunk_event_id,
        "first_audio_out": agent.first_audio_out_event_id,
        "synthesis_complete": agent.complete_event_id,
    }
    return {role: event_id for role, event_id in ids.items() if event_id is not None}
