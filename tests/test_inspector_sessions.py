"""SessionTracker, fed RegisteredEvent entries by hand: session summaries, bounds, turn latency and
event rates; and following a registry live (catch-up, no double counting, missed events)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from inspector_server import T0, transcript, tts_chunk

from inspector.sessions import IDLE_AFTER_S, SessionTracker
from plugins_core import (
    BaseEvent,
    EventRegistry,
    PluginClosedEvent,
    PluginErrorEvent,
    PluginInitializedEvent,
    RegisteredEvent,
    STSTranscriptEvent,
    TTSSynthesisStartEvent,
    VADErrorEvent,
    VADSpeechEndEvent,
)


def _at(ms: float, base: datetime = T0) -> datetime:
    return base + timedelta(milliseconds=ms)


class Feeder:
    """Hands events to a tracker as a registry would: with increasing sequence numbers."""

    def __init__(self, tracker: SessionTracker) -> None:
        self.tracker = tracker
        self.seqs = itertools.count(1)

    def __call__(self, events: Iterable[BaseEvent]) -> None:
        for event in events:
            self.tracker.observe(RegisteredEvent(next(self.seqs), event))


def _session(tracker: SessionTracker, session_id: str) -> dict[str, Any]:
    summary = tracker.session(session_id)
    assert summary is not None, f"no session {session_id!r}"
    return summary


def _tracker(**kwargs: int) -> tuple[SessionTracker, Feeder]:
    tracker = SessionTracker(EventRegistry(), **kwargs)
    return tracker, Feeder(tracker)


def _turn(
    session: str, start: datetime, parts: tuple[float, float, float], synthesis: str
) -> list[BaseEvent]:
    """speech end -> transcript -> synthesis start -> first audio, each part ``parts[i]`` ms long."""
    transcription, response, first_audio = parts
    return [
        VADSpeechEndEvent(
            session_id=session, plugin_name="vad", total_speech_duration_ms=500, timestamp=start
        ),
        transcript("what time is it", session=session, at=_at(transcription, start)),
        TTSSynthesisStartEvent(
            text="noon",
            synthesis_id=synthesis,
            session_id=session,
            timestamp=_at(transcription + response, start),
        ),
        tts_chunk(synthesis, 0, session=session, at=_at(transcription + response + first_audio, start)),
    ]


# ------------------------------------------------------------------------------------- summaries


def test_session_summary_plugins_counts_errors_and_times() -> None:
    tracker, feed = _tracker()
    feed(
        [
            PluginInitializedEvent(plugin_type="STT", session_id="s1", plugin_name="stt-a", timestamp=_at(0)),
            transcript("hi", session="s1", plugin="stt-a", at=_at(100)),
            tts_chunk("syn", 0, session="s1", at=_at(200)),  # plugin tts-1, kind from the event type
            VADErrorEvent(error=RuntimeError("x"), session_id="s1", plugin_name="vad-c", timestamp=_at(300)),
            PluginErrorEvent(error=OSError("y"), session_id="s1", plugin_name="mystery", timestamp=_at(400)),
            STSTranscriptEvent(text="yo", session_id="s1", plugin_name="sts-d", timestamp=_at(1500)),
        ]
    )
    summary = tracker.session("s1")
    assert summary is not None
    assert summary["plugins"] == [
        {"name": "stt-a", "type": "STT", "closed": False},
        {"name": "tts-1", "type": "TTS", "closed": False},
        {"name": "vad-c", "type": "VAD", "closed": False},
        {"name": "sts-d", "type": "STS", "closed": False},
    ]  # "mystery" says no type: not listed
    assert summary["event_count"] == 6
    assert summary["error_count"] == 2
    assert summary["last_seq"] == 6
    assert summary["first_seen"] == T0.isoformat()
    assert summary["last_seen"] == _at(1500).isoformat()
    assert summary["duration_ms"] == pytest.approx(1500.0)
    assert summary["buffered_events"] == 0  # nothing of it is in the (empty) registry
    assert tracker.session("nope") is None


def test_session_is_live_until_all_its_plugins_closed() -> None:
    tracker, feed = _tracker()
    now = datetime.now(T0.tzinfo)
    feed(
        [
            PluginInitializedEvent(plugin_type="STT", session_id="s", plugin_name="stt", timestamp=now),
            PluginInitializedEvent(plugin_type="TTS", session_id="s", plugin_name="tts", timestamp=now),
        ]
    )
    assert _session(tracker, "s")["live"] is True
    feed([PluginClosedEvent(plugin_type="STT", session_id="s", plugin_name="stt", timestamp=now)])
    summary = tracker.session("s")
    assert summary is not None and summary["live"] is True
    assert {p["name"]: p["closed"] for p in summary["plugins"]} == {"stt": True, "tts": False}
    feed([PluginClosedEvent(plugin_type="TTS", session_id="s", plugin_name="tts", timestamp=now)])
    summary = tracker.session("s")
    assert summary is not None and summary["live"] is False
    assert all(p["closed"] for p in summary["plugins"])


def test_idle_session_is_shown_as_ended() -> None:
    tracker, feed = _tracker()
    feed(
        [transcript("old", session="idle", at=datetime.now(T0.tzinfo) - timedelta(seconds=IDLE_AFTER_S + 5))]
    )
    feed([transcript("new", session="busy", at=datetime.now(T0.tzinfo))])
    assert _session(tracker, "idle")["live"] is False
    assert _session(tracker, "busy")["live"] is True


def test_events_without_a_session_count_but_make_no_session() -> None:
    tracker, feed = _tracker()
    feed([transcript("global", session=None) for _ in range(3)])
    assert tracker.session_list() == []
    assert tracker.last_seq == 3


def test_session_list_is_most_recently_active_first_with_buffered_counts() -> None:
    registry = EventRegistry(max_events=4)
    tracker = SessionTracker(registry)
    for session in ("a", "b", "c", "a", "a", "b"):
        seq = registry.register_event(transcript("x", session=session))
        entry = registry.query(after_seq=seq - 1)[0]
        tracker.observe(entry)
    listed = tracker.session_list()
    assert [s["session_id"] for s in listed] == ["b", "a", "c"]
    assert {s["session_id"]: (s["event_count"], s["buffered_events"]) for s in listed} == {
        "a": (3, 2),
        "b": (2, 1),
        "c": (1, 1),
    }  # counts seen vs still buffered (the ring keeps 4)


def test_sessions_are_bounded_least_recently_active_dropped_and_counted() -> None:
    tracker, feed = _tracker(max_sessions=3)
    feed(transcript("x", session=s) for s in ("s1", "s2", "s3", "s1", "s4", "s5"))
    assert [s["session_id"] for s in tracker.session_list()] == ["s5", "s4", "s1"]
    assert tracker.dropped_sessions == 2  # s2 then s3 (s1 was active again)
    assert tracker.session("s2") is None and tracker.session("s3") is None
    feed([transcript("back", session="s2")])
    summary = tracker.session("s2")
    assert summary is not None and summary["event_count"] == 1  # a new summary
    assert tracker.dropped_sessions == 3 and len(tracker.sessions) == 3


# ------------------------------------------------------------------------------------------ turns


def test_turn_latency_and_its_parts_from_the_timestamps() -> None:
    tracker, feed = _tracker()
    events = _turn("s", T0, (180.0, 50.0, 120.0), "syn-1")
    events.append(tts_chunk("syn-1", 1, session="s", at=_at(900)))  # later chunks do not move it
    feed(events)
    (turn,) = _session(tracker, "s")["turns"]
    assert turn["session_id"] == "s" and turn["synthesis_id"] == "syn-1"
    assert turn["text"] == "what time is it" and turn["speech_end"] == T0.isoformat()
    assert turn["total_ms"] == pytest.approx(350.0)
    assert turn["transcription_ms"] == pytest.approx(180.0)
    assert turn["response_ms"] == pytest.approx(50.0)
    assert turn["first_audio_ms"] == pytest.approx(120.0)
    stats = tracker.turn_stats()
    assert stats["turns"] == 1 and stats["recent"] == [turn]
    assert stats["total_ms"] == {"p50": pytest.approx(350.0), "p95": pytest.approx(350.0)}


def test_turn_completes_only_with_audio_of_its_own_synthesis() -> None:
    tracker, feed = _tracker()
    speech_end, said, started, _ = _turn("s", T0, (100.0, 100.0, 100.0), "mine")
    feed([speech_end, said, started, tts_chunk("someone-else", 0, session="s", at=_at(250))])
    assert tracker.turn_stats()["turns"] == 0
    feed([tts_chunk("mine", 0, session="s", at=_at(400))])
    (turn,) = _session(tracker, "s")["turns"]
    assert turn["first_audio_ms"] == pytest.approx(200.0) and turn["total_ms"] == pytest.approx(400.0)


def test_turn_needs_the_steps_in_order() -> None:
    tracker, feed = _tracker()
    # synthesis before any transcript: not this turn's response
    feed(
        [
            VADSpeechEndEvent(session_id="s", total_speech_duration_ms=1, timestamp=T0),
            TTSSynthesisStartEvent(synthesis_id="early", session_id="s", timestamp=_at(10)),
            tts_chunk("early", 0, session="s", at=_at(20)),
        ]
    )
    assert tracker.turn_stats()["turns"] == 0
    # audio with no speech end before it: no turn at all
    feed(_turn("t", T0, (1.0, 1.0, 1.0), "x")[1:])
    assert tracker.turn_stats()["turns"] == 0
    # a new speech end restarts the pending turn
    feed(_turn("s", _at(1000), (10.0, 20.0, 30.0), "late"))
    (turn,) = _session(tracker, "s")["turns"]
    assert turn["speech_end"] == _at(1000).isoformat() and turn["total_ms"] == pytest.approx(60.0)


def test_turns_are_per_session_and_percentiles_cover_all() -> None:
    tracker, feed = _tracker()
    totals = []
    for i in range(20):
        parts = (100.0 + 10 * i, 20.0, 30.0 + i)
        totals.append(sum(parts))
        feed(_turn(f"s{i % 2}", _at(10_000 * i), parts, f"syn-{i}"))
    stats = tracker.turn_stats()
    assert stats["turns"] == 20 and len(stats["recent"]) == 10
    assert stats["recent"][0]["synthesis_id"] == "syn-19"  # newest first
    p50, p95 = np.percentile(totals, [50, 95])
    assert stats["total_ms"] == {"p50": pytest.approx(p50), "p95": pytest.approx(p95)}
    assert stats["response_ms"] == {"p50": pytest.approx(20.0), "p95": pytest.approx(20.0)}
    assert len(_session(tracker, "s0")["turns"]) == 10


def test_turns_are_bounded() -> None:
    tracker, feed = _tracker(max_turns=5)
    for i in range(8):
        feed(_turn("s", _at(10_000 * i), (1.0, 1.0, 1.0), f"syn-{i}"))
    assert tracker.turn_stats()["turns"] == 5


# ----------------------------------------------------------------------------------- event rates


def test_events_per_second_over_the_last_whole_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = SimpleNamespace(now=1000.2)
    monkeypatch.setattr("inspector.sessions.time", SimpleNamespace(time=lambda: clock.now))
    tracker, feed = _tracker()
    feed(transcript("x", session=None) for _ in range(30))  # in second 1000
    clock.now = 1001.5
    feed(transcript("x", session=None) for _ in range(20))  # in second 1001
    assert tracker.events_per_second() == pytest.approx(3.0)  # second 1001 is not over yet
    clock.now = 1002.0
    assert tracker.events_per_second() == pytest.approx(5.0)
    assert tracker.events_per_second(window_s=1) == pytest.approx(20.0)
    clock.now = 1010.9
    assert tracker.events_per_second() == pytest.approx(5.0)  # 1000 is still in the last 10
    clock.now = 1011.0
    assert tracker.events_per_second() == pytest.approx(2.0)
    clock.now = 1100.0
    assert tracker.events_per_second() == 0.0


# --------------------------------------------------------------------------------- following live


@pytest.mark.asyncio
async def test_tracker_catches_up_then_follows_the_registry_without_double_counting() -> None:
    registry = EventRegistry()
    for i in range(5):
        registry.register_event(transcript(f"before {i}", session="s"))
    tracker = SessionTracker(registry)
    await tracker.start()
    try:
        assert registry.get_statistics()["subscriptions"] == 1
        for i in range(7):
            registry.register_event(transcript(f"after {i}", session="s"))
        for _ in range(200):
            if tracker.last_seq == 12:
                break
            await asyncio.sleep(0.01)
        summary = tracker.session("s")
        assert summary is not None and summary["event_count"] == 12 and summary["last_seq"] == 12
        assert tracker.missed_events == 0
    finally:
        await tracker.stop()
    assert registry.get_statistics()["subscriptions"] == 0
    await tracker.stop()  # twice is fine


@pytest.mark.asyncio
async def test_tracker_reports_events_its_queue_dropped() -> None:
    registry = EventRegistry(max_events=1000)
    tracker = SessionTracker(registry)
    await tracker.start()
    try:
        total = 50_000 + 700  # its queue holds 50,000; the loop is not running while we register
        for _ in range(total):
            registry.register_event(transcript("x", session=None))
        for _ in range(500):
            if tracker.last_seq == total:
                break
            await asyncio.sleep(0.01)
        assert tracker.last_seq == total
        assert tracker.missed_events == 700
    finally:
        await tracker.stop()
