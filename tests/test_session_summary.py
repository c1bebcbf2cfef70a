"""plugins_core.session_summary: one row per session, event by event, in bounded memory."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from datetime import timedelta

import pytest
from test_turns import SESSION, T0, agent_turn, at, conversation, ident, user_turn

from plugins_core.events import (
    BaseEvent,
    Origin,
    PluginClosedEvent,
    PluginInitializedEvent,
    STSDisconnectedEvent,
    STTErrorEvent,
    TTSErrorEvent,
)
from plugins_core.session_summary import (
    MAX_LATENCY_SAMPLES,
    MAX_SEARCH_CHARS,
    SessionAccumulator,
    SessionSummary,
)


def summarize(events: Iterable[BaseEvent]) -> SessionSummary:
    accumulator = SessionAccumulator(SESSION)
    for seq, event in enumerate(events, start=1):
        accumulator.observe(event, seq)
    return accumulator.summary()


def three_turns(*, end: float | None = 9000) -> list[BaseEvent]:
    return conversation(
        user_turn(1000, 1200, 2500),
        agent_turn(2510, 2540, 2541.5, text="Hello! What can I do for you?"),
        user_turn(4000, 900, 5200, heard=None),
        agent_turn(5210, 5230, 5231, text="Sorry, I did not catch that."),
        user_turn(7000, 700, 8000, heard="goodbye"),
        agent_turn(8010, 8030, 8032, text="Goodbye, talk to you soon."),
        end=end,
    )


def test_a_session_row_has_the_fields_the_session_list_shows() -> None:
    events = three_turns()
    summary = summarize(events)
    assert summary.session_id == SESSION
    assert (summary.started_at, summary.ended_at, summary.last_event_at) == (T0, at(9000), at(9000))
    assert summary.duration_ms == 9000.0
    assert summary.plugins == {"sts": "sts", "vad": "vad", "stt": "stt", "tts": "tts"}
    assert summary.event_count == len(events) and summary.last_seq == len(events)
    assert summary.first_user_text == "hello world"
    assert summary.first_agent_text == "Hello! What can I do for you?"
    assert (summary.turns, summary.failed_turns, summary.incomplete_turns) == (3, 1, 0)
    assert summary.errors == 1 and summary.outcome == "errors"
    # p50 and worst over the two answered turns (341.5 ms and 332 ms), not the failed one
    assert summary.turn_latency_ms == {"p50": pytest.approx(336.75), "max": 341.5}
    assert summary.ended and not summary.live and summary.has_conversation

    data = json.loads(json.dumps(summary.as_dict()))
    assert {
        "first_user_text", "first_agent_text", "turns", "errors", "duration_ms", "turn_latency_ms", "live",
        "ended", "outcome", "plugins", "origins", "has_conversation", "search_text", "started_at",
    } <= set(data)  # fmt: skip
    assert data["turn_latency_ms"] == {"p50": 336.75, "max": 341.5} and data["live"] is False


def test_a_session_is_ended_as_soon_as_the_sts_disconnects() -> None:
    accumulator = SessionAccumulator(SESSION)
    for event in three_turns(end=None):
        accumulator.observe(event)
    assert not accumulator.summary().ended and accumulator.summary().live
    assert accumulator.summary().turns == 3
    accumulator.observe(STSDisconnectedEvent(**ident(8500, "sts"), reason="conversation ended"))
    summary = accumulator.summary()
    assert summary.ended and summary.ended_at == at(8500)


def test_a_session_is_ended_when_every_plugin_in_it_closed() -> None:
    events = [e for e in three_turns(end=None) if not e.event_type.value.startswith("sts_")]
    accumulator = SessionAccumulator(SESSION)
    for event in events:
        accumulator.observe(event)
    for k, name in enumerate(["vad", "stt"]):
        accumulator.observe(PluginClosedEvent(**ident(9000 + k, name), plugin_type=name.upper()))
        assert not accumulator.summary().ended, "the TTS is still open"
    accumulator.observe(PluginClosedEvent(**ident(9002, "tts"), plugin_type="TTS"))
    summary = accumulator.summary()
    assert summary.ended and summary.ended_at == at(9002)
    assert (summary.turns, summary.failed_turns) == (3, 1), "the last turn was closed with the session"
    # no STS reports playback here: the first synthesized chunk (at 2540 ms) stands for the audio out
    assert summary.turn_latency_ms is not None and summary.turn_latency_ms["max"] == 340.0


def test_a_session_nobody_ended_stays_live_however_old() -> None:
    summary = summarize(three_turns(end=None)[:-3])
    assert summary.live and summary.ended_at is None


def test_a_session_of_lifecycle_events_only_has_no_conversation() -> None:
    accumulator = SessionAccumulator(SESSION)
    accumulator.observe(PluginInitializedEvent(**ident(0, "vad"), plugin_type="VAD"))
    summary = accumulator.summary()
    assert not summary.has_conversation and summary.plugins == {"vad": "vad"}
    assert summary.turns == 0 and summary.turn_latency_ms is None and summary.outcome == "ok"
    assert summarize(conversation(end=500)).has_conversation is False, "connect and disconnect only"


def test_outcome_is_incomplete_when_a_turn_was_never_answered() -> None:
    summary = summarize(conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, None), end=2600))
    assert (summary.outcome, summary.incomplete_turns, summary.errors) == ("incomplete", 1, 0)
    assert summary.turn_latency_ms is None
    ok = summarize(conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541), end=5000))
    assert ok.outcome == "ok"


def test_errors_outside_any_turn_count_for_the_session() -> None:
    events = conversation(end=None)
    events.append(TTSErrorEvent(**ident(10, "tts"), error=RuntimeError("voice 'xx' not found")))
    summary = summarize(events)
    assert summary.errors == 1 and summary.outcome == "errors" and summary.turns == 0
    assert "voice 'xx' not found" in summary.search_text


def test_an_open_turn_counts_as_soon_as_it_is_answered() -> None:
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5))
    summary = summarize(events)
    assert summary.live and summary.turns == 1
    assert summary.turn_latency_ms == {"p50": 341.5, "max": 341.5}
    failing = conversation(user_turn(1000, 1200, 2500, heard=None))
    assert summarize(failing).failed_turns == 1


def test_the_search_text_holds_transcripts_replies_ids_and_errors_and_stays_bounded() -> None:
    events = three_turns()
    for event in events:
        event.origin = Origin("box", 42, "agent-1")
    summary = summarize(events)
    for needle in (
        "hello world",
        "goodbye, talk to you soon.",
        "no grammar match",
        "no_match",
        SESSION,
        "agent-1@box:42",
    ):
        assert needle in summary.search_text
    assert summary.origins == ("agent-1@box:42",)
    miss = next(e for e in events if isinstance(e, STTErrorEvent))
    assert miss.event_id in summary.search_text

    long = [*three_turns(end=None)]
    for k in range(2000):
        long.append(STTErrorEvent(**ident(9000 + k, "stt"), error=RuntimeError(f"failure number {k}")))
    assert len(summarize(long).search_text) <= MAX_SEARCH_CHARS


def long_session(turns: int) -> Iterable[BaseEvent]:
    yield from conversation()
    for k in range(turns):
        base = 1000 + k * 4000
        yield from user_turn(
            base, 1000 + k % 7, base + 1300, heard=None if k % 10 == 9 else "play some music"
        )
        yield from agent_turn(base + 1310, base + 1340, base + 1341 + k % 50)


def test_memory_stays_bounded_over_a_long_session() -> None:
    accumulator = SessionAccumulator(SESSION)
    sizes = {}
    for seq, event in enumerate(long_session(5000), start=1):
        accumulator.observe(event, seq)
        if seq in (20_000, 80_000):
            sizes[seq] = len(json.dumps(accumulator.to_state()))
    assert accumulator.event_count > 80_000
    state = accumulator.to_state()
    assert len(state["latencies"]["values"]) <= MAX_LATENCY_SAMPLES
    assert len(json.dumps(state)) < 64 * 1024
    assert sizes[80_000] < sizes[20_000] * 2, "state does not grow with the number of events"
    summary = accumulator.summary()
    assert (summary.turns, summary.failed_turns) == (5000, 500)
    latency = summary.turn_latency_ms
    # each answered turn: 1341 + k % 50 ms after its speech start, whose speech lasted 1000 + k % 7 ms
    expected = [341.0 + k % 50 - k % 7 for k in range(5000) if k % 10 != 9]
    assert latency is not None and latency["max"] == max(expected)
    # the sample is even across the session: its median is the session's
    assert latency["p50"] == pytest.approx(statistics.median(expected), abs=1)


def test_state_restores_to_the_same_summary_between_batches() -> None:
    events: Sequence[BaseEvent] = three_turns()
    whole = summarize(events)
    accumulator = SessionAccumulator(SESSION)
    for seq, event in enumerate(events, start=1):
        if seq % 5 == 0:
            accumulator = SessionAccumulator.from_state(json.loads(json.dumps(accumulator.to_state())))
        accumulator.observe(event, seq)
    assert accumulator.summary() == whole


def test_bad_state_and_other_sessions_events_are_refused() -> None:
    with pytest.raises(ValueError, match="not a SessionAccumulator state"):
        SessionAccumulator.from_state({"session_id": "x"})
    accumulator = SessionAccumulator(SESSION)
    with pytest.raises(ValueError, match="session_id='other'"):
        accumulator.observe(STSDisconnectedEvent(session_id="other"))
    with pytest.raises(ValueError, match="no event observed"):
        accumulator.summary()


def test_events_out_of_time_order_widen_the_session_span() -> None:
    events = three_turns()
    late = STTErrorEvent(**ident(-500, "stt"), error=RuntimeError("late report"))
    summary = summarize([*events, late])
    assert summary.started_at == T0 - timedelta(milliseconds=500) and summary.duration_ms == 9500.0
