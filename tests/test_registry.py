"""Tests of plugins_core.registry: upstream's registry behaviours, and the fixes to its flaws.

Covers the bounded ring and its indexes, the audio budget, sequence numbers and replay, indexed
queries (cross-checked against a brute-force filter), thread safety, listeners, the lazy
EventLogger, the global registry and the spec's registry snippets.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from plugins_core import (
    AUDIO_EVENT_TYPES,
    ERROR_EVENT_TYPES,
    BaseEvent,
    EventFilter,
    EventLogger,
    EventRegistry,
    EventType,
    PluginErrorEvent,
    RegisteredEvent,
    Replay,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSTranscriptEvent,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSErrorEvent,
    VADAudioEvent,
    VADErrorEvent,
    VADPartialEvent,
    VADSpeechStartEvent,
    get_global_logger,
    get_global_registry,
    register_global_event,
    set_global_registry,
)

# ------------------------------------------------------------------------------------------ helpers


def _tx(
    text: str = "hello",
    *,
    session: str | None = None,
    plugin: str | None = None,
    confidence: float | None = None,
) -> STTTranscriptEvent:
    return STTTranscriptEvent(text=text, session_id=session, plugin_name=plugin, confidence=confidence)


def _audio(size: int, *, session: str | None = None, chunk: int = 0) -> TTSAudioEvent:
    return TTSAudioEvent(
        audio_data=b"\x01" * size,
        session_id=session,
        plugin_name="tts",
        chunk_index=chunk,
        text_source=f"chunk {chunk}",
    )


def _int16_samples(count: int) -> Any:
    """A numpy int16 buffer: events accept arrays for audio fields and store their bytes."""
    return np.zeros(count, dtype=np.int16)


def _seqs(entries: list[RegisteredEvent]) -> list[int]:
    return [entry.seq for entry in entries]


def _audio_of(event: BaseEvent) -> bytes | None:
    data: bytes | None = getattr(event, "audio_data", None)
    return data


def _check_invariants(registry: EventRegistry) -> dict[str, Any]:
    """Every statistic and index agrees with a recount of the buffered events; returns the stats."""
    entries = registry.query()
    events = [entry.event for entry in entries]
    stats = registry.get_statistics()
    assert events == registry.events
    total = len(events)
    assert stats["total_events"] == total == len(registry)
    # the ring is contiguous and ends at the newest sequence number
    assert _seqs(entries) == list(range(registry.last_seq - total + 1, registry.last_seq + 1))
    assert stats["last_seq"] == stats["total_registered"] == registry.last_seq
    distribution = stats["event_distribution"]
    assert sum(distribution.values()) == total
    assert distribution == dict(Counter(e.event_type.value for e in events))
    errors = [e for e in events if e.event_type in ERROR_EVENT_TYPES]
    summary = stats["error_summary"]
    assert summary["total_events"] == total
    assert summary["total_errors"] == len(errors)
    assert 0.0 <= summary["error_rate"] <= 1.0
    assert summary["error_rate"] == (len(errors) / total if total else 0.0)
    assert summary["error_breakdown"] == dict(
        Counter(f"{e.plugin_name}_{e.event_type.value}" for e in errors)
    )
    sessions = Counter(e.session_id for e in events if e.session_id)
    assert sorted(registry.session_ids()) == sorted(sessions)
    assert stats["session_count"] == len(sessions)
    for session, count in sessions.items():
        assert registry.get_session_events(session) == [e for e in events if e.session_id == session]
        assert len(registry.get_session_events(session)) == count
    per_plugin = Counter(e.plugin_name if e.plugin_name is not None else "unknown" for e in events)
    plugin_errors = Counter(e.plugin_name if e.plugin_name is not None else "unknown" for e in errors)
    assert stats["plugin_error_rates"] == {
        name: {"events": n, "errors": plugin_errors[name], "error_rate": plugin_errors[name] / n}
        for name, n in per_plugin.items()
    }
    held = [_audio_of(e) for e in events if e.event_type in AUDIO_EVENT_TYPES]
    assert stats["audio_bytes"] == sum(len(a) for a in held if a)
    assert 0 <= stats["audio_bytes"] <= registry.max_audio_bytes
    for entry in entries:
        assert registry.get_registered(entry.event.event_id) == entry
        assert registry.get_event(entry.event.event_id) is entry.event
    return stats


@pytest.fixture
def fresh_global() -> Iterator[EventRegistry]:
    """A new global registry for one test; the previous one is put back afterwards."""
    fresh = EventRegistry(event_logger=get_global_logger())
    previous = set_global_registry(fresh)
    try:
        yield fresh
    finally:
        set_global_registry(previous)


# --------------------------------------------------------------------------- upstream behaviours


def test_ring_buffer_drops_the_oldest() -> None:
    registry = EventRegistry(max_events=3)
    for i in range(5):
        registry.register_event(_tx(f"test{i}"))
    events = registry.events
    assert len(events) == 3
    assert [e.text for e in events if isinstance(e, STTTranscriptEvent)] == ["test2", "test3", "test4"]
    assert isinstance(events[0], STTTranscriptEvent) and events[0].text == "test2"


def test_registration_counts_and_session_grouping() -> None:
    registry = EventRegistry()
    first = _tx("hello", session="session1")
    partial = STTPartialTranscriptEvent(text="hel", session_id="session1")
    error = STTErrorEvent(error=ValueError("boom"), session_id="session2")
    loose = _tx("no session")
    for event in (first, partial, error, loose):
        registry.register_event(event)
    stats = registry.get_statistics()
    assert stats["total_events"] == 4
    assert stats["event_distribution"] == {"stt_transcript": 2, "stt_partial_transcript": 1, "stt_error": 1}
    assert registry.get_session_events("session1") == [first, partial]
    assert registry.get_session_events("session2") == [error]
    assert registry.get_session_events("nope") == []
    summary = registry.get_error_summary()
    assert summary["error_breakdown"] == {"None_stt_error": 1}
    assert summary["total_errors"] == 1
    assert summary["most_common_errors"] == [("None_stt_error", 1)]
    _check_invariants(registry)


def test_filtering_strict_confidence_excludes_events_without_confidence() -> None:
    registry = EventRegistry()
    high = _tx("high", session="s1", plugin="deepgram", confidence=0.9)
    low = _tx("low", session="s1", plugin="deepgram", confidence=0.5)
    no_conf = _tx("none", session="s1", plugin="deepgram")
    audio = _audio(10, session="s1")
    for event in (high, low, no_conf, audio):
        registry.register_event(event)
    assert registry.get_events(EventFilter(min_confidence=0.8)) == [high]
    assert audio not in registry.get_events(EventFilter(min_confidence=0.0))
    combined = EventFilter(
        event_types=[EventType.STT_TRANSCRIPT],
        session_ids=["s1"],
        plugin_names=["deepgram"],
        min_confidence=0.5,
    )
    assert registry.get_events(combined) == [high, low]
    assert registry.get_events(EventFilter(event_types=[EventType.TTS_AUDIO])) == [audio]


def test_statistics_keys_and_distribution_by_value() -> None:
    registry = EventRegistry()
    for i in range(6):
        registry.register_event(_tx(f"t{i}", session=f"session{i % 3}"))
    registry.register_event(_audio(4, session="session0"))
    stats = registry.get_statistics()
    for key in (
        "total_events",
        "event_distribution",
        "session_count",
        "avg_events_per_session",
        "time_span_ms",
        "events_per_second",
        "error_summary",
        # added here
        "plugin_error_rates",
        "total_registered",
        "last_seq",
        "max_events",
        "evicted_events",
        "audio_bytes",
        "max_audio_bytes",
        "audio_evicted_events",
        "audio_evicted_bytes",
        "listener_errors",
        "subscriptions",
        "subscriber_dropped_events",
    ):
        assert key in stats
    assert stats["total_events"] == 7
    assert stats["session_count"] == 3
    assert stats["avg_events_per_session"] == pytest.approx(7 / 3)
    assert stats["event_distribution"] == {EventType.STT_TRANSCRIPT.value: 6, EventType.TTS_AUDIO.value: 1}
    assert stats["time_span_ms"] >= 0.0
    assert set(stats["error_summary"]) == {
        "total_events",
        "total_errors",
        "error_rate",
        "error_breakdown",
        "most_common_errors",
    }
    empty = EventRegistry().get_statistics()
    assert empty["total_events"] == 0
    assert empty["session_count"] == 0
    assert empty["avg_events_per_session"] == 0
    assert empty["events_per_second"] == 0
    assert empty["error_summary"]["error_rate"] == 0.0


def test_listeners_add_fire_remove() -> None:
    registry = EventRegistry()
    seen: list[BaseEvent] = []
    registry.add_listener(EventType.STT_TRANSCRIPT, seen.append)
    event = _tx("heard")
    registry.register_event(event)
    registry.register_event(_audio(2))  # another type: not delivered
    assert seen == [event]
    assert registry.remove_listener(EventType.STT_TRANSCRIPT, seen.append) is True
    registry.register_event(_tx("unheard"))
    assert seen == [event]


def test_clear_keeps_listeners() -> None:
    registry = EventRegistry()
    seen: list[BaseEvent] = []
    registry.add_listener(EventType.STT_TRANSCRIPT, seen.append)
    registry.register_event(_tx("a", session="s"))
    registry.register_event(STTErrorEvent(session_id="s"))
    registry.clear()
    stats = registry.get_statistics()
    assert stats["total_events"] == 0
    assert stats["event_distribution"] == {}
    assert stats["session_count"] == 0
    assert stats["error_summary"]["error_breakdown"] == {}
    assert registry.get_session_events("s") == []
    after = _tx("b")
    registry.register_event(after)
    assert seen[-1] is after and len(seen) == 2


# -------------------------------------------------------------------------------------- the fixes


def test_error_rate_and_distribution_stay_consistent_after_eviction() -> None:
    registry = EventRegistry(max_events=10)
    for i in range(30):
        registry.register_event(STTErrorEvent(plugin_name="deepgram", error=ValueError(str(i))))
        stats = _check_invariants(registry)
        assert 0.0 <= stats["error_summary"]["error_rate"] <= 1.0
    for i in range(5):
        registry.register_event(_tx(f"ok{i}", plugin="deepgram"))
    stats = _check_invariants(registry)
    assert stats["total_events"] == 10
    assert stats["error_summary"]["total_errors"] == 5
    assert stats["error_summary"]["error_rate"] == 0.5
    assert stats["error_summary"]["error_breakdown"] == {"deepgram_stt_error": 5}
    assert stats["event_distribution"] == {"stt_error": 5, "stt_transcript": 5}
    for i in range(10):
        registry.register_event(_tx(f"ok{i}", plugin="deepgram"))
    stats = _check_invariants(registry)
    assert stats["error_summary"]["error_rate"] == 0.0
    assert stats["error_summary"]["error_breakdown"] == {}
    assert stats["error_summary"]["most_common_errors"] == []


def test_session_index_shrinks_with_the_ring() -> None:
    registry = EventRegistry(max_events=4)
    for i in range(3):
        registry.register_event(_tx(f"old{i}", session="old"))
    registry.register_event(_tx("mid", session="mid"))
    assert sorted(registry.session_ids()) == ["mid", "old"]
    for i in range(3):
        registry.register_event(_tx(f"new{i}", session="new"))
    # the three "old" events were evicted: the session is gone from the index and the count
    assert sorted(registry.session_ids()) == ["mid", "new"]
    assert registry.get_session_events("old") == []
    stats = _check_invariants(registry)
    assert stats["session_count"] == 2
    assert stats["avg_events_per_session"] == 2.0
    registry.register_event(_tx("new3", session="new"))
    assert registry.session_ids() == ["new"]
    assert registry.get_statistics()["session_count"] == 1


def test_get_session_events_returns_a_copy() -> None:
    registry = EventRegistry()
    event = _tx("a", session="s")
    registry.register_event(event)
    copy = registry.get_session_events("s")
    copy.clear()
    copy.append(_tx("intruder", session="s"))
    assert registry.get_session_events("s") == [event]
    snapshot = registry.events
    snapshot.clear()
    assert len(registry) == 1


def test_per_plugin_error_rates() -> None:
    registry = EventRegistry(max_events=8)
    for _ in range(3):
        registry.register_event(_tx("ok", plugin="deepgram"))
    registry.register_event(STTErrorEvent(plugin_name="deepgram"))
    registry.register_event(TTSErrorEvent(plugin_name="elevenlabs"))
    registry.register_event(TTSErrorEvent(plugin_name="elevenlabs"))
    registry.register_event(PluginErrorEvent())
    registry.register_event(VADSpeechStartEvent())
    rates = _check_invariants(registry)["plugin_error_rates"]
    assert rates == {
        "deepgram": {"events": 4, "errors": 1, "error_rate": 0.25},
        "elevenlabs": {"events": 2, "errors": 2, "error_rate": 1.0},
        "unknown": {"events": 2, "errors": 1, "error_rate": 0.5},
    }
    for _ in range(4):  # evicts the three deepgram transcripts and the deepgram error
        registry.register_event(_tx("later", plugin="silero"))
    rates = _check_invariants(registry)["plugin_error_rates"]
    assert "deepgram" not in rates
    assert rates["silero"] == {"events": 4, "errors": 0, "error_rate": 0.0}
    assert rates["elevenlabs"]["error_rate"] == 1.0


def test_evicted_events_count_is_exact() -> None:
    registry = EventRegistry(max_events=7)
    for i in range(20):
        registry.register_event(_tx(f"e{i}"))
        assert registry.get_statistics()["evicted_events"] == max(0, i + 1 - 7)
    stats = registry.get_statistics()
    assert stats["evicted_events"] == 13
    assert stats["total_registered"] == 20
    assert stats["max_events"] == 7
    registry.clear()  # forgetting is not evicting
    assert registry.get_statistics()["evicted_events"] == 13
    for i in range(3):
        registry.register_event(_tx(f"after{i}"))
    stats = registry.get_statistics()
    assert stats["evicted_events"] == 13
    assert stats["total_registered"] == 23
    assert stats["total_events"] == 3


def test_internal_indexes_stay_bounded_over_100k_events() -> None:
    registry = EventRegistry(max_events=1000, max_audio_bytes=10_000)
    plugins = ["deepgram", "elevenlabs", "silero", None]
    first_id = last_id = ""
    for i in range(100_000):
        session = f"session-{i // 10}"  # 10,000 distinct sessions over time
        plugin = plugins[i % 4]
        event: BaseEvent
        if i % 10 == 3:
            event = STTErrorEvent(session_id=session, plugin_name=plugin)
        elif i % 10 == 7:
            event = TTSAudioEvent(audio_data=b"\x00" * 64, session_id=session, plugin_name=plugin)
        else:
            event = STTTranscriptEvent(text="x", session_id=session, plugin_name=plugin)
        registry.register_event(event)
        if i == 0:
            first_id = event.event_id
        last_id = event.event_id
    stats = _check_invariants(registry)
    assert stats["total_events"] == 1000
    assert stats["evicted_events"] == 99_000
    assert stats["session_count"] == 100
    assert stats["audio_bytes"] <= 10_000
    assert registry.get_event(first_id) is None
    assert registry.get_registered(first_id) is None
    assert registry.get_event(last_id) is not None
    # the private indexes themselves: nothing outlives the ring
    assert len(registry._ring) == 1000
    assert len(registry._by_id) == 1000
    assert len(registry._by_session) == 100
    assert sum(len(bucket) for bucket in registry._by_session.values()) == 1000
    assert sum(len(bucket) for bucket in registry._by_type.values()) == 1000
    assert len(registry._audio) <= 100
    assert len(registry._plugin_counts) == 4


def test_error_counters_stay_bounded_with_many_plugin_names() -> None:
    registry = EventRegistry(max_events=10)
    for i in range(1000):
        registry.register_event(STTErrorEvent(plugin_name=f"plugin-{i}"))
    assert len(registry._plugin_counts) == 10
    assert len(registry._error_counts) <= 10
    assert len(registry._plugin_errors) <= 10


# ------------------------------------------------------------------------------------ audio budget


def test_audio_budget_drops_the_oldest_audio_first() -> None:
    registry = EventRegistry(max_audio_bytes=250)
    chunks = [_audio(100, session="s", chunk=i) for i in range(5)]
    for chunk in chunks:
        registry.register_event(chunk)
        assert registry.get_statistics()["audio_bytes"] <= 250
    for chunk in chunks[:3]:
        assert chunk.audio_data is None
        assert chunk.audio_evicted is True
        assert chunk.audio_size_bytes == 0
        assert chunk.audio_duration_ms is None
    for chunk in chunks[3:]:
        assert chunk.audio_data == b"\x01" * 100
        assert chunk.audio_evicted is False
    # metadata is kept, and the events stay buffered and findable
    assert [c.chunk_index for c in chunks] == [0, 1, 2, 3, 4]
    assert chunks[0].text_source == "chunk 0" and chunks[0].session_id == "s"
    assert registry.get_event(chunks[0].event_id) is chunks[0]
    assert registry.events == chunks
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 200
    assert stats["max_audio_bytes"] == 250
    assert stats["audio_evicted_events"] == 3
    assert stats["audio_evicted_bytes"] == 300


def test_audio_larger_than_the_budget_is_dropped_at_once() -> None:
    registry = EventRegistry(max_audio_bytes=50)
    small = _audio(40)
    big = _audio(60)
    registry.register_event(small)
    registry.register_event(big)
    assert small.audio_evicted and big.audio_evicted
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 0
    assert stats["audio_evicted_events"] == 2
    assert stats["audio_evicted_bytes"] == 100


def test_ring_eviction_releases_audio_bytes() -> None:
    registry = EventRegistry(max_events=3, max_audio_bytes=1_000)
    for i in range(3):
        registry.register_event(_audio(100, chunk=i))
    assert registry.get_statistics()["audio_bytes"] == 300
    registry.register_event(_tx("a"))
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 200
    assert stats["audio_evicted_events"] == 0  # a ring eviction is not an audio eviction
    registry.register_event(_tx("b"))
    registry.register_event(_tx("c"))
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 0
    # the freed budget is available again: 1000 bytes fit without any audio eviction
    keep = [_audio(500), _audio(500)]
    for event in keep:
        registry.register_event(event)
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 1_000
    assert stats["audio_evicted_events"] == 0
    assert all(e.audio_data is not None for e in keep)


def test_audio_budget_with_mixed_audio_types_and_ring_eviction() -> None:
    rng = random.Random(1234)
    budget = 5_000
    registry = EventRegistry(max_events=40, max_audio_bytes=budget)
    makers: list[Callable[[bytes], BaseEvent]] = [
        lambda b: TTSAudioEvent(audio_data=b),
        lambda b: VADAudioEvent(audio_data=b),
        lambda b: VADPartialEvent(audio_data=b),
        lambda b: STSAudioInputEvent(audio_data=b),
        lambda b: STSAudioOutputEvent(audio_data=b),
    ]
    sizes: dict[str, int] = {}
    for i in range(600):
        if rng.random() < 0.3:
            event: BaseEvent = _tx(f"t{i}")
        else:
            size = rng.randrange(1, 1_500)
            event = rng.choice(makers)(b"\x02" * size)
            sizes[event.event_id] = size
        registry.register_event(event)
        stats = _check_invariants(registry)
        assert stats["audio_bytes"] <= budget
    stats = registry.get_statistics()
    flagged = [e for e in registry.events if getattr(e, "audio_evicted", False)]
    assert flagged  # the budget was exceeded
    assert all(_audio_of(e) is None for e in flagged)
    assert stats["audio_evicted_events"] >= len(flagged)  # some flagged events have left the ring since
    evicted_ids = {e.event_id for e in flagged}
    assert stats["audio_evicted_bytes"] >= sum(sizes[i] for i in evicted_ids)


def test_audio_evicted_counters_are_exact() -> None:
    registry = EventRegistry(max_events=1_000, max_audio_bytes=1_000)
    rng = random.Random(99)
    audio_events: list[TTSAudioEvent] = []
    sizes: dict[str, int] = {}
    for _ in range(200):
        event = _audio(rng.randrange(1, 400))
        sizes[event.event_id] = len(event.audio_data or b"")
        audio_events.append(event)
        registry.register_event(event)
    evicted = [e for e in audio_events if e.audio_evicted]
    kept = [e for e in audio_events if not e.audio_evicted]
    stats = _check_invariants(registry)
    assert stats["audio_evicted_events"] == len(evicted)
    assert stats["audio_evicted_bytes"] == sum(sizes[e.event_id] for e in evicted)
    assert stats["audio_bytes"] == sum(sizes[e.event_id] for e in kept)
    # the kept audio is the newest suffix: eviction went oldest first
    first_kept = audio_events.index(kept[0])
    assert all(e.audio_evicted for e in audio_events[:first_kept])
    assert all(not e.audio_evicted for e in audio_events[first_kept:])


def test_zero_audio_budget_keeps_no_audio() -> None:
    registry = EventRegistry(max_audio_bytes=0)
    events: list[BaseEvent] = [
        _audio(32),
        VADAudioEvent(audio_data=_int16_samples(160)),
        STSAudioOutputEvent(audio_data=b"\x00" * 8),
    ]
    for event in events:
        registry.register_event(event)
    assert all(_audio_of(e) is None for e in events)
    assert all(getattr(e, "audio_evicted", False) for e in events)
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 0
    assert stats["audio_evicted_events"] == 3
    assert stats["audio_evicted_bytes"] == 32 + 320 + 8
    assert len(registry) == 3


def test_audio_events_without_audio_do_not_count() -> None:
    registry = EventRegistry(max_audio_bytes=10)
    registry.register_event(TTSAudioEvent())
    registry.register_event(TTSAudioEvent(audio_data=b""))
    stats = _check_invariants(registry)
    assert stats["audio_bytes"] == 0
    assert stats["audio_evicted_events"] == 0


def test_reregistered_audio_event_releases_its_bytes() -> None:
    registry = EventRegistry(max_events=10, max_audio_bytes=150)
    event = _audio(100)
    registry.register_event(event)
    registry.register_event(event)  # e.g. a plugin re-emitting one chunk
    assert (
        registry.get_statistics()["audio_bytes"] == 100
    )  # one object: its bytes are held, and counted, once
    for i in range(10):
        registry.register_event(_tx(f"flush{i}"))
    assert registry.get_statistics()["audio_bytes"] == 0


def test_invalid_bounds_are_refused() -> None:
    for kwargs in ({"max_events": 0}, {"max_audio_bytes": -1}, {"subscriber_queue": 0}, {"max_events": True}):
        with pytest.raises(ValueError):
            EventRegistry(**kwargs)


# -------------------------------------------------------------------------------- sequence numbers


def test_sequence_numbers_are_monotonic_across_clear() -> None:
    registry = EventRegistry(max_events=3)
    assert registry.last_seq == 0
    events = [_tx(f"e{i}") for i in range(5)]
    assert [registry.register_event(e) for e in events] == [1, 2, 3, 4, 5]
    assert registry.last_seq == 5
    assert registry.get_registered(events[4].event_id) == RegisteredEvent(5, events[4])
    assert registry.get_registered(events[0].event_id) is None  # evicted
    assert _seqs(registry.query()) == [3, 4, 5]
    registry.clear()
    assert registry.last_seq == 5
    assert registry.query() == []
    assert registry.register_event(_tx("after")) == 6
    stats = registry.get_statistics()
    assert stats["last_seq"] == 6
    assert stats["total_registered"] == 6
    registry.clear()
    registry.clear()
    assert registry.register_event(_tx("again")) == 7


def test_events_after_returns_the_missed_events_in_order() -> None:
    registry = EventRegistry()
    events = [_tx(f"e{i}") for i in range(5)]
    for event in events:
        registry.register_event(event)
    replay = registry.events_after(2)
    assert isinstance(replay, Replay)
    expected = [RegisteredEvent(seq, events[seq - 1]) for seq in (3, 4, 5)]
    assert replay == Replay(events=expected, missed=0, last_seq=5)
    assert _seqs(registry.events_after(0).events) == [1, 2, 3, 4, 5]
    assert registry.events_after(0).missed == 0


def test_events_after_counts_evicted_events_as_missed() -> None:
    registry = EventRegistry(max_events=5)
    for i in range(12):
        registry.register_event(_tx(f"e{i}"))
    # buffered: 8..12
    for seq, missed in ((0, 7), (3, 4), (6, 1), (7, 0), (8, 0), (10, 0)):
        replay = registry.events_after(seq)
        assert replay.missed == missed, seq
        assert replay.last_seq == 12
        assert _seqs(replay.events) == list(range(max(seq + 1, 8), 13))
        assert replay.events[0].seq == max(seq + 1, 8)
        # nothing is lost silently: missed + returned covers every event after seq
        assert replay.missed + len(replay.events) == 12 - seq


def test_events_after_last_seq_is_empty() -> None:
    registry = EventRegistry(max_events=2)
    assert registry.events_after(0) == Replay(events=[], missed=0, last_seq=0)
    for i in range(5):
        registry.register_event(_tx(f"e{i}"))
    assert registry.events_after(registry.last_seq) == Replay(events=[], missed=0, last_seq=5)
    assert registry.events_after(99) == Replay(events=[], missed=0, last_seq=5)  # a client ahead of us


def test_events_after_with_a_filter() -> None:
    registry = EventRegistry(max_events=6)
    for i in range(10):
        registry.register_event(_tx(f"e{i}", session="a" if i % 2 else "b"))
    # buffered: seqs 5..10; session "a" has the even seqs (i odd → seq even)
    replay = registry.events_after(2, EventFilter(session_ids=["a"]))
    assert _seqs(replay.events) == [6, 8, 10]
    assert all(entry.event.session_id == "a" for entry in replay.events)
    assert replay.missed == 2  # seqs 3 and 4 were evicted, whatever their session
    assert replay.last_seq == 10
    assert _seqs(registry.events_after(7, EventFilter(session_ids=["b"])).events) == [9]


def test_events_after_clear_reports_the_gap() -> None:
    registry = EventRegistry()
    for i in range(5):
        registry.register_event(_tx(f"e{i}"))
    registry.clear()
    assert registry.events_after(5) == Replay(events=[], missed=0, last_seq=5)
    assert registry.events_after(2).missed == 3  # 3, 4, 5 are gone
    registry.register_event(_tx("new"))
    replay = registry.events_after(2)
    assert _seqs(replay.events) == [6]
    assert replay.missed == 3


def test_events_after_is_atomic_under_concurrent_registration() -> None:
    registry = EventRegistry(max_events=5)
    for i in range(10):
        registry.register_event(_tx(f"e{i}"))
    original_query = registry.query

    def query_after_a_race(*args: Any, **kwargs: Any) -> list[RegisteredEvent]:
        # what another thread registering between the two lock sections would do
        for i in range(3):
            registry.register_event(_tx(f"racing{i}"))
        return original_query(*args, **kwargs)

    registry.query = query_after_a_race  # type: ignore[method-assign]
    replay = registry.events_after(3)
    assert all(entry.seq <= replay.last_seq for entry in replay.events)
    assert replay.missed + len(replay.events) == replay.last_seq - 3


# ------------------------------------------------------------------------------------------ query


def _query_registry() -> tuple[EventRegistry, list[BaseEvent]]:
    registry = EventRegistry()
    events: list[BaseEvent] = [
        _tx("a1", session="a", plugin="deepgram", confidence=0.9),  # 1
        STTErrorEvent(session_id="a", plugin_name="deepgram"),  # 2
        _audio(4, session="b"),  # 3
        STSTranscriptEvent(text="b1", session_id="b", confidence=0.95),  # 4
        _tx("b2", session="b", plugin="deepgram", confidence=0.4),  # 5
        TTSErrorEvent(session_id="b", plugin_name="elevenlabs"),  # 6
        _tx("c1", plugin="deepgram", confidence=0.85),  # 7
        VADErrorEvent(session_id="c"),  # 8
        STSTranscriptEvent(text="a2", session_id="a", confidence=0.5),  # 9
    ]
    for event in events:
        registry.register_event(event)
    return registry, events


def test_query_by_session_and_by_type() -> None:
    registry, events = _query_registry()
    assert _seqs(registry.query(EventFilter(session_ids=["a"]))) == [1, 2, 9]
    assert _seqs(registry.query(EventFilter(session_ids=["a", "c"]))) == [1, 2, 8, 9]
    assert registry.query(EventFilter(session_ids=["missing"])) == []
    assert _seqs(registry.query(EventFilter(event_types=[EventType.STT_TRANSCRIPT]))) == [1, 5, 7]
    both = registry.query(EventFilter(event_types=[EventType.STT_TRANSCRIPT, EventType.STS_TRANSCRIPT]))
    assert _seqs(both) == [1, 4, 5, 7, 9]  # merged in sequence order
    assert [entry.event for entry in both] == [events[i - 1] for i in (1, 4, 5, 7, 9)]
    assert registry.query(EventFilter(event_types=[EventType.PLUGIN_CLOSED])) == []
    session_and_type = EventFilter(session_ids=["b"], event_types=["stt_transcript", "sts_transcript"])
    assert _seqs(registry.query(session_and_type)) == [4, 5]


def test_query_errors_only_and_confidence() -> None:
    registry, _ = _query_registry()
    assert _seqs(registry.query(EventFilter(errors_only=True))) == [2, 6, 8]
    assert _seqs(registry.query(EventFilter(errors_only=True, session_ids=["b", "c"]))) == [6, 8]
    errors_of_type = EventFilter(
        errors_only=True, event_types=[EventType.TTS_ERROR, EventType.STT_TRANSCRIPT]
    )
    assert _seqs(registry.query(errors_of_type)) == [6]
    no_errors = EventFilter(errors_only=True, event_types=[EventType.STT_TRANSCRIPT])
    assert registry.query(no_errors) == []
    # strict confidence: error events carry none, so errors_only + min_confidence matches nothing
    assert registry.query(EventFilter(errors_only=True, min_confidence=0.0)) == []
    confident = EventFilter(
        event_types=[EventType.STT_TRANSCRIPT, EventType.STS_TRANSCRIPT], min_confidence=0.85
    )
    assert _seqs(registry.query(confident)) == [1, 4, 7]
    assert _seqs(registry.query(EventFilter(min_confidence=0.5, session_ids=["a"]))) == [1, 9]


def test_query_limit_returns_the_newest_oldest_first() -> None:
    registry, _ = _query_registry()
    assert _seqs(registry.query(limit=3)) == [7, 8, 9]
    assert _seqs(registry.query(EventFilter(), limit=2)) == [8, 9]
    assert _seqs(registry.query(EventFilter(session_ids=["a", "b"]), limit=4)) == [4, 5, 6, 9]
    assert _seqs(registry.query(EventFilter(errors_only=True), limit=2)) == [6, 8]
    assert _seqs(registry.query(limit=100)) == list(range(1, 10))
    assert _seqs(registry.query(limit=0)) == list(range(1, 10))  # upstream: 0 means no limit
    assert len(registry.get_events(limit=0)) == 9
    assert [e.event_id for e in registry.get_events(limit=2)] == [
        e.event.event_id for e in registry.query()[-2:]
    ]
    with pytest.raises(ValueError):
        registry.query(limit=-1)


def test_query_after_seq() -> None:
    registry, _ = _query_registry()
    assert _seqs(registry.query(after_seq=6)) == [7, 8, 9]
    assert _seqs(registry.query(after_seq=0)) == list(range(1, 10))
    assert registry.query(after_seq=9) == []
    assert _seqs(registry.query(EventFilter(session_ids=["a"]), after_seq=1)) == [2, 9]
    assert _seqs(registry.query(EventFilter(errors_only=True), limit=1, after_seq=2)) == [8]
    assert _seqs(registry.query(limit=2, after_seq=3)) == [8, 9]


def _random_event(rng: random.Random, i: int) -> BaseEvent:
    session = rng.choice([None, "s0", "s1", "s2", "s3", "s4", "s5"])
    plugin = rng.choice([None, "deepgram", "elevenlabs", "silero", "openai"])
    confidence = rng.choice([None, round(rng.random(), 2)])
    kind = rng.randrange(9)
    common: dict[str, Any] = {"session_id": session, "plugin_name": plugin}
    if kind == 0:
        return STTTranscriptEvent(text=f"hello {i} world", confidence=confidence, **common)
    if kind == 1:
        return STTPartialTranscriptEvent(text=f"hel {i}", confidence=confidence, **common)
    if kind == 2:
        return STTErrorEvent(error=ValueError(f"bad {i}"), **common)
    if kind == 3:
        return TTSAudioEvent(audio_data=b"\x00" * rng.randrange(0, 64), text_source=f"say {i}", **common)
    if kind == 4:
        return TTSErrorEvent(error_code=f"E{i % 7}", **common)
    if kind == 5:
        return STSTranscriptEvent(text=f"sts {i}", confidence=confidence, **common)
    if kind == 6:
        return VADSpeechStartEvent(speech_probability=rng.random(), **common)
    if kind == 7:
        return PluginErrorEvent(context=f"ctx {i}", **common)
    return VADAudioEvent(audio_data=b"\x00" * rng.randrange(0, 64), **common)


def _random_filter(rng: random.Random, buffered: list[tuple[int, BaseEvent]]) -> EventFilter:
    kwargs: dict[str, Any] = {}
    if rng.random() < 0.4:
        kwargs["event_types"] = rng.sample(
            [
                EventType.STT_TRANSCRIPT,
                EventType.STT_PARTIAL_TRANSCRIPT,
                EventType.STT_ERROR,
                EventType.TTS_AUDIO,
                EventType.TTS_ERROR,
                EventType.STS_TRANSCRIPT,
                EventType.VAD_SPEECH_START,
                EventType.PLUGIN_ERROR,
                EventType.VAD_AUDIO,
                EventType.STS_ERROR,  # never registered
            ],
            rng.randrange(1, 4),
        )
    if rng.random() < 0.4:
        kwargs["session_ids"] = rng.sample(["s0", "s1", "s2", "s3", "s4", "s5", "gone"], rng.randrange(1, 3))
    if rng.random() < 0.3:
        kwargs["plugin_names"] = rng.sample(
            ["deepgram", "elevenlabs", "silero", "openai"], rng.randrange(1, 3)
        )
    if rng.random() < 0.3:
        kwargs["min_confidence"] = round(rng.random(), 2)
    if rng.random() < 0.2:
        kwargs["errors_only"] = True
    if rng.random() < 0.15:
        kwargs["text_contains"] = rng.choice(["hello", "WORLD", "say 4", "bad", "E3", "ctx", "zzz"])
    if rng.random() < 0.15 and buffered:
        start = rng.randrange(len(buffered))
        end = rng.randrange(start, len(buffered))
        kwargs["start_time"] = buffered[start][1].timestamp
        kwargs["end_time"] = buffered[end][1].timestamp
    return EventFilter(**kwargs)


def test_indexed_query_matches_a_brute_force_filter() -> None:
    rng = random.Random(20240229)
    registry = EventRegistry(max_events=1_000)
    registered: list[tuple[int, BaseEvent]] = []
    for i in range(5_000):
        event = _random_event(rng, i)
        registered.append((registry.register_event(event), event))
        if i % 1_000 == 999:
            _check_invariants(registry)
    buffered = registered[-len(registry) :]
    assert len(buffered) == 1_000
    assert [event for _, event in buffered] == registry.events
    checked = 0
    for _ in range(400):
        event_filter = _random_filter(rng, buffered)
        limit = rng.choice([None, None, 0, 1, 5, 50, 2_000])
        after_seq = rng.choice([None, None, rng.randrange(0, 5_001)])
        expected = [(seq, e) for seq, e in buffered if event_filter.matches(e)]
        if after_seq is not None:
            expected = [(seq, e) for seq, e in expected if seq > after_seq]
        if limit:
            expected = expected[-limit:]
        got = registry.query(event_filter, limit, after_seq=after_seq)
        assert [(entry.seq, entry.event) for entry in got] == expected, (event_filter, limit, after_seq)
        assert (
            registry.get_events(event_filter, limit)
            == [e for seq, e in buffered if event_filter.matches(e)][-limit if limit else 0 :]
        )
        checked += len(got)
    assert checked > 1_000  # the filters were not all trivially empty


# ---------------------------------------------------------------------------------- thread safety


def test_concurrent_registration_is_exact() -> None:
    threads_n, per_thread = 8, 5_000
    registry = EventRegistry(max_events=threads_n * per_thread)
    calls = 0
    calls_lock = threading.Lock()
    listener_threads: set[int] = set()

    def listener(event: BaseEvent) -> None:
        nonlocal calls
        with calls_lock:
            calls += 1
            listener_threads.add(threading.get_ident())

    registry.add_listener(None, listener)
    barrier = threading.Barrier(threads_n)
    seqs: list[list[int]] = [[] for _ in range(threads_n)]
    failures: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            events = [
                _tx(f"w{k}-{i}", session=f"session-{k}", plugin=f"plugin-{k % 2}") for i in range(per_thread)
            ]
            barrier.wait()
            out = seqs[k]
            for event in events:
                out.append(registry.register_event(event))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    total = threads_n * per_thread
    stats = registry.get_statistics()
    assert stats["total_events"] == total
    assert stats["total_registered"] == total
    assert stats["session_count"] == threads_n
    assert stats["event_distribution"] == {"stt_transcript": total}
    assert stats["plugin_error_rates"]["plugin-0"]["events"] == total // 2
    for k in range(threads_n):
        assert len(registry.get_session_events(f"session-{k}")) == per_thread
        assert seqs[k] == sorted(seqs[k])  # each thread sees its own registrations in order
        texts = [
            e.text for e in registry.get_session_events(f"session-{k}") if isinstance(e, STTTranscriptEvent)
        ]
        assert texts == [f"w{k}-{i}" for i in range(per_thread)]
    all_seqs = sorted(seq for per in seqs for seq in per)
    assert all_seqs == list(range(1, total + 1))
    assert _seqs(registry.query()) == all_seqs
    assert calls == total
    assert len(listener_threads) == threads_n  # listeners run in the registering thread
    _check_invariants(registry)


def test_concurrent_registration_with_a_small_ring_keeps_invariants() -> None:
    threads_n, per_thread = 8, 5_000
    registry = EventRegistry(max_events=500, max_audio_bytes=2_000)
    barrier = threading.Barrier(threads_n + 1)
    failures: list[BaseException] = []
    stop = threading.Event()

    def worker(k: int) -> None:
        try:
            rng = random.Random(k)
            events = [_random_event(rng, i) for i in range(per_thread)]
            barrier.wait()
            for event in events:
                registry.register_event(event)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    def reader() -> None:
        try:
            barrier.wait()
            while not stop.is_set():
                stats = registry.get_statistics()
                assert sum(stats["event_distribution"].values()) == stats["total_events"]
                assert 0.0 <= stats["error_summary"]["error_rate"] <= 1.0
                assert stats["audio_bytes"] <= 2_000
                registry.query(EventFilter(session_ids=["s1", "s2"]), limit=10)
                registry.events_after(max(0, registry.last_seq - 100))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
    reader_thread = threading.Thread(target=reader)
    reader_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    reader_thread.join()
    assert failures == []
    stats = _check_invariants(registry)
    assert stats["total_events"] == 500
    assert stats["total_registered"] == threads_n * per_thread
    assert stats["evicted_events"] == threads_n * per_thread - 500
    assert len(registry._by_id) == 500
    assert sum(len(bucket) for bucket in registry._by_session.values()) == sum(
        1 for e in registry.events if e.session_id
    )


# ---------------------------------------------------------------------------------------- listeners


def test_failing_listener_is_logged_counted_and_isolated(caplog: pytest.LogCaptureFixture) -> None:
    registry = EventRegistry()
    before: list[BaseEvent] = []
    after: list[BaseEvent] = []
    everything: list[BaseEvent] = []

    def broken(event: BaseEvent) -> None:
        raise RuntimeError("listener exploded")

    registry.add_listener(EventType.STT_TRANSCRIPT, before.append)
    registry.add_listener(EventType.STT_TRANSCRIPT, broken)
    registry.add_listener(EventType.STT_TRANSCRIPT, after.append)
    registry.add_listener(None, everything.append)
    event = _tx("boom")
    with caplog.at_level(logging.ERROR, logger="plugins_core.registry"):
        assert registry.register_event(event) == 1
        assert registry.register_event(_tx("boom again")) == 2
    assert before == after == everything == registry.events
    assert registry.get_event(event.event_id) is event
    failures = [r for r in caplog.records if r.name == "plugins_core.registry" and r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], RuntimeError)
    assert "stt_transcript" in failures[0].getMessage()
    assert registry.get_statistics()["listener_errors"] == 2


def test_all_types_listener_receives_every_event() -> None:
    registry = EventRegistry()
    seen: list[EventType] = []

    def record(event: BaseEvent) -> None:
        seen.append(event.event_type)

    registry.add_listener(None, record)
    for event in (_tx("a"), _audio(1), STTErrorEvent(), VADSpeechStartEvent()):
        registry.register_event(event)
    assert seen == [
        EventType.STT_TRANSCRIPT,
        EventType.TTS_AUDIO,
        EventType.STT_ERROR,
        EventType.VAD_SPEECH_START,
    ]
    assert registry.remove_listener(EventType.STT_TRANSCRIPT, record) is False  # registered for all types
    assert registry.remove_listener(None, record) is True
    registry.register_event(_tx("b"))
    assert len(seen) == 4


def test_remove_listener_returns_false_when_absent() -> None:
    registry = EventRegistry()

    def listener(event: BaseEvent) -> None:
        pass

    assert registry.remove_listener(EventType.STT_ERROR, listener) is False
    assert registry.remove_listener(None, listener) is False
    registry.add_listener(EventType.STT_ERROR, listener)
    assert registry.remove_listener(EventType.TTS_ERROR, listener) is False
    assert registry.remove_listener(EventType.STT_ERROR, listener) is True
    assert registry.remove_listener(EventType.STT_ERROR, listener) is False


def test_duplicate_listener_registrations_are_removed_one_at_a_time() -> None:
    registry = EventRegistry()
    seen: list[BaseEvent] = []
    registry.add_listener(EventType.STT_TRANSCRIPT, seen.append)
    registry.add_listener(EventType.STT_TRANSCRIPT, seen.append)
    registry.register_event(_tx("a"))
    assert len(seen) == 2
    assert registry.remove_listener(EventType.STT_TRANSCRIPT, seen.append) is True
    registry.register_event(_tx("b"))
    assert len(seen) == 3


def test_listener_sees_the_stored_event_and_may_register_more() -> None:
    registry = EventRegistry()
    found: list[BaseEvent | None] = []

    def on_error(event: BaseEvent) -> None:
        found.append(registry.get_event(event.event_id))
        registry.register_event(_tx(f"follow-up of {event.event_id}"))  # no deadlock: runs unlocked

    registry.add_listener(EventType.STT_ERROR, on_error)
    error = STTErrorEvent()
    registry.register_event(error)
    assert found == [error]
    assert len(registry) == 2
    assert registry.last_seq == 2


# -------------------------------------------------------------------------------------- EventLogger


class _Exploding:
    """Counts and refuses every attempt to turn it into text."""

    calls = 0

    def __repr__(self) -> str:
        type(self).calls += 1
        raise AssertionError("formatted a disabled log record")

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return self.__repr__()


class _ExplodingError(Exception):
    def __str__(self) -> str:
        _Exploding.calls += 1
        raise AssertionError("str(error) on a disabled log level")


class _UnprintableError(Exception):
    """An exception whose message cannot be built (e.g. an SDK error missing an attribute)."""

    def __str__(self) -> str:
        raise RuntimeError("no message")


def test_disabled_event_logger_formats_nothing(caplog: pytest.LogCaptureFixture) -> None:
    name = "tests.registry.quiet"
    caplog.set_level(logging.INFO, logger=name)  # DEBUG records are disabled
    _Exploding.calls = 0
    event_logger = EventLogger(name, level=logging.DEBUG)
    assert event_logger.registry is None
    registry = EventRegistry(event_logger=event_logger)
    event = STTErrorEvent(error=_ExplodingError(), user_metadata={"probe": _Exploding()}, session_id="s")
    event_logger.log_event(event)
    registry.register_event(event)
    event_logger.log_event(event, logging.DEBUG)
    assert _Exploding.calls == 0
    assert [r for r in caplog.records if r.name == name] == []
    assert len(registry) == 1


def test_enabled_event_logger_writes_structured_fields(caplog: pytest.LogCaptureFixture) -> None:
    name = "tests.registry.loud"
    caplog.set_level(logging.DEBUG, logger=name)
    _Exploding.calls = 0
    event_logger = EventLogger(name, level=logging.INFO)
    text = "x" * 150
    transcript = STTTranscriptEvent(
        text=text,
        confidence=0.75,
        processing_time_ms=12.5,
        plugin_name="deepgram",
        session_id="s1",
        user_metadata={"probe": _Exploding()},
    )
    audio = TTSAudioEvent(audio_data=_int16_samples(160))  # 160 samples = 320 bytes
    error = STTErrorEvent(error=ValueError("bad input"))
    for event in (transcript, audio, error):
        event_logger.log_event(event)
    event_logger.log_event(transcript, logging.WARNING)
    records = [r for r in caplog.records if r.name == name]
    assert len(records) == 4
    first, second, third, fourth = records
    assert first.levelno == logging.INFO and fourth.levelno == logging.WARNING
    assert first.getMessage() == "stt_transcript: deepgram"
    assert first.__dict__["event_type"] == "stt_transcript"
    assert first.__dict__["event_id"] == transcript.event_id
    assert first.__dict__["session_id"] == "s1"
    assert first.__dict__["plugin_name"] == "deepgram"
    assert first.__dict__["text_preview"] == "x" * 100
    assert first.__dict__["text_length"] == 150
    assert first.__dict__["confidence"] == 0.75
    assert first.__dict__["processing_time_ms"] == 12.5
    assert second.getMessage() == "tts_audio: unknown"
    assert second.__dict__["audio_bytes"] == 320  # bytes, not samples
    assert third.__dict__["error_message"] == "bad input"
    assert third.__dict__["error_type"] == "ValueError"
    assert _Exploding.calls == 0  # user metadata is never formatted


def test_registry_with_event_logger_logs_each_registration_once(caplog: pytest.LogCaptureFixture) -> None:
    name = "tests.registry.once"
    caplog.set_level(logging.DEBUG, logger=name)
    registry = EventRegistry(event_logger=EventLogger(name))
    events = [_tx("a"), _audio(8), STTErrorEvent()]
    for event in events:
        registry.register_event(event)
    records = [r for r in caplog.records if r.name == name]
    assert [r.__dict__["event_id"] for r in records] == [e.event_id for e in events]


def test_event_logger_keeps_no_copy(fresh_global: EventRegistry) -> None:
    event_logger = EventLogger("tests.registry.nocopy")
    event_logger.log_event(_tx("a"))
    assert len(fresh_global) == 0
    assert event_logger.get_registry() is fresh_global
    own = EventRegistry()
    assert EventLogger("tests.registry.nocopy", registry=own).get_registry() is own


def test_registration_survives_an_unprintable_error(caplog: pytest.LogCaptureFixture) -> None:
    name = "tests.registry.unprintable"
    caplog.set_level(logging.DEBUG, logger=name)
    registry = EventRegistry(event_logger=EventLogger(name))
    registry.register_event(STTErrorEvent(error=_UnprintableError()))
    assert len(registry) == 1


# --------------------------------------------------------------------------------- global registry


def test_register_global_event_stores_the_event_once(
    fresh_global: EventRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=get_global_logger().logger.name)
    event = _tx("global hello", session="g")
    seq = register_global_event(event)
    assert seq == 1
    assert get_global_registry() is fresh_global
    found = [e for e in get_global_registry().get_events() if e.event_id == event.event_id]
    assert found == [event]
    assert get_global_registry().get_session_events("g") == [event]
    # its logger logs (once) and holds no second registry of its own
    records = [r for r in caplog.records if r.__dict__.get("event_id") == event.event_id]
    assert len(records) == 1
    assert get_global_logger().get_registry() is fresh_global


def test_set_global_registry_swaps_and_returns_the_previous(fresh_global: EventRegistry) -> None:
    replacement = EventRegistry(max_events=5)
    previous = set_global_registry(replacement)
    assert previous is fresh_global
    assert get_global_registry() is replacement
    register_global_event(_tx("to the replacement"))
    assert len(replacement) == 1
    assert len(fresh_global) == 0
    assert set_global_registry(fresh_global) is replacement


# ------------------------------------------------------------------------------------ spec examples

_FILTERING_SNIPPET = """
from plugins_core import EventFilter, EventType, get_global_registry

# Create event filter
filter_criteria = EventFilter(
    event_types=[EventType.STT_TRANSCRIPT, EventType.STT_PARTIAL_TRANSCRIPT],
    time_window_ms=60000,  # Last minute
    min_confidence=0.8
)

# Get filtered events
registry = get_global_registry()
recent_transcripts = registry.get_events(filter_criteria, limit=10)

# Analyze events
for event in recent_transcripts:
    print(f"Event: {event.event_type.value}")
    print(f"Text: {event.text}")
    print(f"Confidence: {event.confidence}")
"""

_GLOBAL_REGISTRY_SNIPPET = """
from plugins_core import get_global_registry

registry = get_global_registry()

# Get statistics
stats = registry.get_statistics()
print(f"Total events: {stats['total_events']}")
print(f"Error rate: {stats['error_summary']['error_rate']:.2%}")

# Get session-specific events
session_events = registry.get_session_events("session_123")
"""

_LISTENERS_SNIPPET = """
from plugins_core import EventType, get_global_registry

registry = get_global_registry()

def on_any_error(event):
    print(f"Error in {event.plugin_name}: {event.error_message}")

# Listen to all error events globally
registry.add_listener(EventType.STT_ERROR, on_any_error)
registry.add_listener(EventType.TTS_ERROR, on_any_error)
registry.add_listener(EventType.VAD_ERROR, on_any_error)
"""


def test_spec_event_filtering_and_analysis(
    fresh_global: EventRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=5)
    register_global_event(STTTranscriptEvent(text="too old", confidence=0.99, timestamp=old))
    register_global_event(_tx("sure", confidence=0.9))
    register_global_event(_tx("unsure", confidence=0.3))
    register_global_event(STTPartialTranscriptEvent(text="part", confidence=0.8))
    register_global_event(_audio(4))
    for i in range(12):
        register_global_event(_tx(f"bulk{i}", confidence=0.95))
    namespace: dict[str, Any] = {}
    exec(_FILTERING_SNIPPET, namespace)
    recent = namespace["recent_transcripts"]
    assert len(recent) == 10  # the newest ten of the 14 matching, oldest first
    assert [e.text for e in recent] == [f"bulk{i}" for i in range(2, 12)]
    out = capsys.readouterr().out
    assert "Event: stt_transcript\nText: bulk2\nConfidence: 0.95\n" in out
    assert out.count("Event: ") == 10


def test_spec_global_event_registry(fresh_global: EventRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    mine = [_tx("one", session="session_123"), STTErrorEvent(session_id="session_123")]
    for event in mine:
        register_global_event(event)
    register_global_event(_tx("other", session="other"))
    register_global_event(_tx("loose"))
    namespace: dict[str, Any] = {}
    exec(_GLOBAL_REGISTRY_SNIPPET, namespace)
    assert capsys.readouterr().out == "Total events: 4\nError rate: 25.00%\n"
    assert namespace["session_events"] == mine


def test_spec_custom_event_listeners(fresh_global: EventRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    exec(_LISTENERS_SNIPPET, namespace)
    register_global_event(STTErrorEvent(plugin_name="deepgram", error=ValueError("socket closed")))
    register_global_event(TTSErrorEvent(plugin_name="elevenlabs"))
    register_global_event(VADErrorEvent(plugin_name="silero", error=RuntimeError("bad frame")))
    register_global_event(STSTranscriptEvent(text="not an error"))
    register_global_event(PluginErrorEvent(plugin_name="other"))  # not listened to
    assert capsys.readouterr().out == (
        "Error in deepgram: socket closed\nError in elevenlabs: Unknown error\nError in silero: bad frame\n"
    )
    assert fresh_global.get_statistics()["listener_errors"] == 0


# ------------------------------------------------------------------------------------------ sinks


class _ListSink:
    def __init__(self) -> None:
        self.entries: list[RegisteredEvent] = []

    def offer(self, entry: RegisteredEvent) -> None:
        self.entries.append(entry)


def test_sinks_receive_every_registered_event_with_its_seq() -> None:
    registry = EventRegistry()
    sink = _ListSink()
    registry.add_sink(sink)
    registry.add_sink(sink)  # added once
    first = STTTranscriptEvent(text="one")
    registry.register_event(first)
    registry.register_event(STTTranscriptEvent(text="two"))
    assert [(e.seq, e.event.text) for e in sink.entries] == [(1, "one"), (2, "two")]  # type: ignore[attr-defined]
    assert sink.entries[0].event is first
    assert registry.remove_sink(sink) and not registry.remove_sink(sink)
    registry.register_event(STTTranscriptEvent(text="three"))
    assert len(sink.entries) == 2
    assert registry.get_statistics()["sinks"] == 0


def test_a_failing_sink_is_counted_and_never_fails_the_registration(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def offer(self, entry: RegisteredEvent) -> None:
            raise OSError("disk full")

    registry = EventRegistry()
    registry.add_sink(Broken())
    sink = _ListSink()
    registry.add_sink(sink)
    assert registry.register_event(STTTranscriptEvent(text="kept")) == 1
    assert len(sink.entries) == 1  # later sinks still get it
    assert registry.get_statistics()["sink_errors"] == 1
    assert "disk full" in caplog.text


def test_add_sink_refuses_what_has_no_offer_method() -> None:
    with pytest.raises(TypeError, match=r"needs an offer\(entry\) method"):
        EventRegistry().add_sink(object())  # type: ignore[arg-type]


def test_start_seq_continues_numbering_without_counting_a_gap() -> None:
    registry = EventRegistry(start_seq=1000)
    assert registry.last_seq == 1000
    assert registry.register_event(STTTranscriptEvent(text="a")) == 1001
    replay = registry.events_after(0)
    assert replay.missed == 0 and [e.seq for e in replay.events] == [1001]
    stats = registry.get_statistics()
    assert stats["total_registered"] == 1 and stats["evicted_events"] == 0
    with pytest.raises(ValueError, match=r"start_seq=-1"):
        EventRegistry(start_seq=-1)
