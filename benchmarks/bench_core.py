"""Speed and memory of the event core, each against a baseline measured in the same process.

Run: ``python benchmarks/bench_core.py`` (``--quick`` for 100k instead of 1M events).

Baselines are written here with upstream's semantics: a plain list with linear scans for queries,
``json.dumps(indent=2, default=str)`` over a ``to_dict`` walk for serialization. Targets (ratios):
create+register <= 1.5x create alone; session and type queries at 1M events > 100x faster than the
linear scan; serializing 10k transcripts > 5x faster than upstream's approach while keeping audio;
memory after 1M audio events <= audio budget + 1 KB per buffered event.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugins_core import (
    BaseEvent,
    EventFilter,
    EventRegistry,
    EventType,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADPartialEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)
from plugins_core.serialization import serialize_events

Row = tuple[str, str, str, str, str]


class NaiveRegistry:
    """Upstream's semantics without its indexes: a list, filters applied by scanning it."""

    def __init__(self) -> None:
        self.events: list[BaseEvent] = []

    def register_event(self, event: BaseEvent) -> None:
        self.events.append(event)

    def get_events(
        self, event_filter: EventFilter | None = None, limit: int | None = None
    ) -> list[BaseEvent]:
        found = [e for e in self.events if event_filter is None or event_filter.matches(e)]
        return found[-limit:] if limit else found

    def get_session_events(self, session_id: str) -> list[BaseEvent]:
        return [e for e in self.events if e.session_id == session_id]


def turn_events(session: str, rng: random.Random, audio: bytes | None) -> list[BaseEvent]:
    """One conversational turn of a voice pipeline, with the event mix a real one produces."""
    ident: dict[str, Any] = {"session_id": session}
    events: list[BaseEvent] = [VADSpeechStartEvent(**ident, plugin_name="vad", speech_probability=0.9)]
    events += [VADPartialEvent(**ident, plugin_name="vad", duration_ms=100.0 * i) for i in range(4)]
    events.append(VADAudioEvent(**ident, plugin_name="vad", audio_data=audio, duration_ms=900.0))
    events.append(VADSpeechEndEvent(**ident, plugin_name="vad", total_speech_duration_ms=900.0))
    events += [
        STTPartialTranscriptEvent(**ident, plugin_name="stt", text="turn on", confidence=rng.random())
        for _ in range(4)
    ]
    events.append(
        STTTranscriptEvent(**ident, plugin_name="stt", text="turn on the lights", confidence=rng.random())
    )
    if rng.random() < 0.05:
        events.append(STTErrorEvent(**ident, plugin_name="stt", error=TimeoutError("slow"), context="decode"))
    events.append(TTSSynthesisStartEvent(**ident, plugin_name="tts", text="okay"))
    events += [
        TTSAudioEvent(**ident, plugin_name="tts", audio_data=audio, chunk_index=i, is_final_chunk=i == 7)
        for i in range(8)
    ]
    events.append(TTSSynthesisCompleteEvent(**ident, plugin_name="tts", synthesis_time_ms=120.0))
    return events


def make_events(count: int, sessions: int, audio: bytes | None = None, seed: int = 7) -> list[BaseEvent]:
    rng = random.Random(seed)
    out: list[BaseEvent] = []
    while len(out) < count:
        out += turn_events(f"session-{rng.randrange(sessions)}", rng, audio)
    return out[:count]


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best wall time in seconds of ``repeat`` runs (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:,.1f}x" if ours > 0 else "inf"


# ------------------------------------------------------------------------------------ measurements


def bench_registration(n: int) -> list[Row]:
    """Create alone vs create+register, interleaved rounds so machine noise hits both alike."""
    registry = EventRegistry(max_events=10_000)

    def create() -> None:
        for _ in range(n):
            STTTranscriptEvent(text="hello", confidence=0.9, session_id="s", plugin_name="stt")

    def create_register() -> None:
        register = registry.register_event
        for _ in range(n):
            register(STTTranscriptEvent(text="hello", confidence=0.9, session_id="s", plugin_name="stt"))

    alone, both = [], []
    for _ in range(7):
        alone.append(best_of(create, 1))
        both.append(best_of(create_register, 1))
    t_alone, t_both = statistics.median(alone), statistics.median(both)
    return [
        ("create event", f"{n:,} events", f"{n / t_alone:,.0f}/s", "-", "baseline"),
        (
            "create + register",
            f"{n:,} events",
            f"{n / t_both:,.0f}/s",
            f"{t_both / t_alone:.2f}x cost",
            "<= 1.5x",
        ),
    ]


def bench_queries(n: int) -> list[Row]:
    events = make_events(n, sessions=max(10, n // 1000))
    ours = EventRegistry(max_events=n, max_audio_bytes=0)
    naive = NaiveRegistry()
    for event in events:
        ours.register_event(event)
        naive.register_event(event)
    session = events[len(events) // 2].session_id or ""
    queries: list[tuple[str, EventFilter | None, int | None]] = [
        ("type=stt_transcript", EventFilter(event_types=[EventType.STT_TRANSCRIPT]), None),
        (
            "type=stt_transcript&min_confidence=0.8",
            EventFilter([EventType.STT_TRANSCRIPT], min_confidence=0.8),
            None,
        ),
        ("type=stt_error", EventFilter(event_types=[EventType.STT_ERROR]), None),
        ("type=tts_audio, limit=100", EventFilter(event_types=[EventType.TTS_AUDIO]), 100),
        ("errors=1, limit=100", EventFilter(errors_only=True), 100),
        (f"session={session}", EventFilter(session_ids=[session]), None),
    ]
    rows: list[Row] = []
    for label, flt, limit in queries:
        assert ours.get_events(flt, limit) == naive.get_events(flt, limit), label
        t_ours = best_of(functools.partial(ours.get_events, flt, limit))
        t_naive = best_of(functools.partial(naive.get_events, flt, limit), 3)
        found = len(ours.get_events(flt, limit))
        rows.append(
            (
                f"get_events {label}",
                f"{n:,} buffered, {found:,} found",
                f"{t_ours * 1e3:.3f} ms",
                ratio(t_naive, t_ours),
                "> 100x",
            )
        )
    assert ours.get_session_events(session) == naive.get_session_events(session)
    t_ours = best_of(lambda: ours.get_session_events(session))
    t_naive = best_of(lambda: naive.get_session_events(session), 3)
    found = len(ours.get_session_events(session))
    rows.append(
        (
            "get_session_events",
            f"{n:,} buffered, {found:,} found",
            f"{t_ours * 1e3:.3f} ms",
            ratio(t_naive, t_ours),
            "> 100x",
        )
    )
    return rows


def upstream_serialize_events(events: Iterable[BaseEvent]) -> str:
    """Upstream's approach: to_dict with str() times, error/audio replaced, indent=2, default=str."""

    def one(event: BaseEvent) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in event.__dataclass_fields__:
            value = getattr(event, name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, datetime):
                value = str(value)
            data[name] = value
        error = getattr(event, "error", None)
        if error:
            data["error"] = {"type": type(error).__name__, "message": str(error), "args": error.args}
        audio = getattr(event, "audio_data", None)
        if audio:
            data["audio_data"] = {"size_bytes": len(audio), "type": "bytes"}
        return data

    return json.dumps([one(e) for e in events], indent=2, default=str)


def bench_serialization(n: int) -> list[Row]:
    transcripts: list[BaseEvent] = [
        STTTranscriptEvent(
            text=f"transcript number {i}",
            confidence=0.9,
            session_id="s",
            plugin_name="stt",
            user_metadata={"user": "u1", "turn": i},
            words=[{"word": "transcript", "start_ms": 0}],
        )
        for i in range(n)
    ]
    audio_events: list[BaseEvent] = [
        TTSAudioEvent(audio_data=bytes(640), session_id="s", plugin_name="tts", chunk_index=i)
        for i in range(n)
    ]
    rows: list[Row] = []
    for label, events, note in (
        ("transcripts", transcripts, ""),
        ("tts_audio 640 B", audio_events, " (upstream drops the audio)"),
    ):
        t_ours = best_of(functools.partial(serialize_events, events))
        t_up = best_of(functools.partial(upstream_serialize_events, events))
        size = len(serialize_events(events)) / 1e6
        rows.append(
            (
                f"serialize_events {label}",
                f"{n:,} events, {size:.1f} MB",
                f"{n / t_ours:,.0f} events/s",
                ratio(t_up, t_ours) + note,
                "> 5x" if label == "transcripts" else "-",
            )
        )
    return rows


def bench_memory(n: int, budget: int, chunk: int) -> list[Row]:
    """Python memory held by a registry of n audio events with a bounded audio budget."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    registry = EventRegistry(max_events=n, max_audio_bytes=budget)
    audio = bytes(chunk)
    sessions = [f"s{k}" for k in range(1000)]  # plugins share their session id string
    for i in range(n):
        # a distinct bytes object per event, as real chunks are
        registry.register_event(
            TTSAudioEvent(
                audio_data=audio[:-1] + bytes([i % 251]), session_id=sessions[i % 1000], plugin_name="tts"
            )
        )
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    stats = registry.get_statistics()
    per_event = (held - stats["audio_bytes"]) / stats["total_events"]
    limit = budget + 1024 * stats["total_events"]
    return [
        (
            "memory after audio events",
            f"{n:,} x {chunk} B, budget {budget / 2**20:.0f} MiB",
            f"{held / 2**20:,.1f} MiB held",
            f"{per_event:,.0f} B/event beyond audio; audio {stats['audio_bytes'] / 2**20:.1f} MiB, "
            f"{stats['audio_evicted_events']:,} evicted",
            f"<= {limit / 2**20:,.0f} MiB ({'ok' if held <= limit else 'OVER'})",
        )
    ]


def print_table(rows: list[Row]) -> None:
    header: Row = ("measure", "size", "ours", "vs baseline", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if row is header:
            print(line)
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100k events instead of 1M")
    args = parser.parse_args()
    big = 100_000 if args.quick else 1_000_000
    rows: list[Row] = []
    rows += bench_registration(100_000)
    rows += bench_queries(10_000)
    rows += bench_queries(big)
    rows += bench_serialization(10_000)
    rows += bench_memory(big, budget=32 * 2**20, chunk=640)
    print_table(rows)


if __name__ == "__main__":
    main()
