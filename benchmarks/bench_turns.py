"""Turn analysis: what the demo's turns measure, and what following a session costs per event.

Run: ``python benchmarks/bench_turns.py [--calls 4] [--skip-demo]``

1. The demo's calls in real time (about 20 s each): scripted caller, WebRTC VAD, PocketSphinx,
   scripted replies, eSpeak NG, replies played at real time into the null sink. For each part of
   the waterfall, its median and p95 over answered turns, and how many turns failed.
2. ``SessionAccumulator.observe`` (turns, latency waterfall, session row) per event over a synthetic
   session of 2,000 turns, against the inspector's current ``SessionTracker.observe`` on the same
   events (the baseline, measured in the same process), and ``analyze_turns`` over the same events.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector.demo import DemoOptions, run_demo
from inspector.sessions import SessionTracker
from plugins_core import (
    BaseEvent,
    EventRegistry,
    RegisteredEvent,
    SessionAccumulator,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
    analyze_turns,
)
from plugins_core.turn_model import PART_NAMES, TurnAnalysis


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def demo_turns(calls: int) -> list[TurnAnalysis]:
    registry = EventRegistry(max_events=500_000)
    await run_demo(registry, DemoOptions(rounds=calls, pause_s=0, seed=1), notify=lambda _: None)
    sessions = [e.session_id for e in registry.events if isinstance(e, STSConnectedEvent)]
    return [turn for s in sessions if s for turn in analyze_turns(registry.get_session_events(s))]


def demo_table(calls: int) -> None:
    started = time.monotonic()
    turns = asyncio.run(demo_turns(calls))
    answered = [t for t in turns if t.status == "ok" and t.latency is not None]
    print(
        f"\n{calls} demo calls in {time.monotonic() - started:.0f} s: {len(turns)} turns, "
        f"{len(answered)} answered, {sum(t.status == 'failed' for t in turns)} failed\n"
    )
    print("| part | median | p95 |\n|---|---|---|")
    for name in PART_NAMES:
        values = [t.latency.part(name).ms for t in answered if t.latency]
        print(f"| {name} | {statistics.median(values):.1f} ms | {p95(values):.1f} ms |")
    totals = [t.latency.total_ms for t in answered if t.latency]
    print(f"| total (speech end -> audio out) | {statistics.median(totals):.1f} ms | {p95(totals):.1f} ms |")
    speaking = [t.agent.speaking.duration_ms for t in turns if t.agent.speaking]
    print(f"| agent speaking span | {statistics.median(speaking):.0f} ms | {p95(speaking):.0f} ms |")


def synthetic_session(turns: int) -> list[BaseEvent]:
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    events: list[BaseEvent] = []

    def ident(ms: float, plugin: str) -> dict[str, Any]:
        return {"session_id": "bench", "timestamp": t0 + timedelta(milliseconds=ms), "plugin_name": plugin}

    events.append(STSConnectedEvent(**ident(0, "sts")))
    for k in range(turns):
        base = k * 6000.0
        events.append(VADSpeechStartEvent(**ident(base, "vad"), speech_probability=0.9))
        for p in range(4):
            events.append(STTPartialTranscriptEvent(**ident(base + 200 * p, "stt"), text="play some"))
        events.append(VADAudioEvent(**ident(base + 1500, "vad"), audio_data=b"\0\0" * 160, duration_ms=10))
        events.append(VADSpeechEndEvent(**ident(base + 1500, "vad"), total_speech_duration_ms=1200))
        events.append(STTTranscriptEvent(**ident(base + 1502, "stt"), text="play some music", confidence=0.9))
        start = TTSSynthesisStartEvent(**ident(base + 1503, "tts"), text="Playing some music for you.")
        events.append(start)
        for c in range(20):
            events.append(
                TTSAudioEvent(
                    **ident(base + 1510 + c, "tts"),
                    audio_data=b"\0\0" * 1323,
                    sample_rate=22050,
                    synthesis_id=start.synthesis_id,
                    chunk_index=c,
                )
            )
        events.append(TTSSynthesisCompleteEvent(**ident(base + 1531, "tts"), synthesis_id=start.synthesis_id))
        for c in range(20):
            events.append(
                STSAudioOutputEvent(
                    **ident(base + 1511 + 60 * c, "sts"),
                    audio_data=b"\0\0" * 1323,
                    sample_rate=22050,
                    response_id=start.synthesis_id,
                )
            )
    return events


def best_per_event_us(runs: dict[str, Callable[[], object]], count: int, rounds: int = 5) -> dict[str, float]:
    """Best time per event of each run, the runs taking turns so that a busy moment hits them all."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: seconds / count * 1e6 for name, seconds in best.items()}


def cost_table() -> None:
    events = synthetic_session(2000)
    entries = [RegisteredEvent(seq, event) for seq, event in enumerate(events, start=1)]

    def accumulate() -> None:
        accumulator = SessionAccumulator("bench")
        for seq, event in enumerate(events, start=1):
            accumulator.observe(event, seq)
        accumulator.summary()

    def baseline() -> None:
        tracker = SessionTracker(EventRegistry())
        for entry in entries:
            tracker.observe(entry)

    timed = best_per_event_us(
        {"base": baseline, "ours": accumulate, "whole": lambda: analyze_turns(events)}, len(events)
    )
    base, ours, whole = timed["base"], timed["ours"], timed["whole"]
    print(f"\n{len(events):,} events of a 2,000-turn session (best of 5 alternating rounds)\n")
    print("| measure | per event | vs baseline |\n|---|---|---|")
    print(f"| inspector SessionTracker.observe (baseline: no waterfall) | {base:.2f} us | 1.00x |")
    print(f"| SessionAccumulator.observe + summary (turns, waterfall) | {ours:.2f} us | {ours / base:.2f}x |")
    print(f"| analyze_turns over the list | {whole:.2f} us | {whole / base:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=4, help="demo calls to hold (default 4)")
    parser.add_argument("--skip-demo", action="store_true", help="only the per-event cost")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    cost_table()
    if not args.skip_demo:
        demo_table(args.calls)


if __name__ == "__main__":
    main()
