"""inspector.demo: the built-in pipeline talking to itself from the shipped prompts, and what it
says when asked for a microphone that does not exist. Real engines, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from typing import TypeVar

import pytest

from inspector.demo import (
    FAREWELLS,
    GREETINGS,
    MISS_EVERY,
    REQUESTS,
    DemoOptions,
    build_demo,
    plan_call,
    prompt_path,
    run_demo,
)
from plugins_core import EventRegistry
from plugins_core.builtin import (
    DEMO_REPLIES,
    MISS_PHRASES,
    PROMPTS_DIR,
    AudioDeviceUnavailable,
    NullSink,
    SyntheticSource,
    WavFileSource,
    open_source,
    prompt_files,
)
from plugins_core.builtin.audio_io import PORTAUDIO_HINT, load_sounddevice
from plugins_core.events import (
    BaseEvent,
    STSConnectedEvent,
    STSDisconnectedEvent,
    STTTranscriptEvent,
    TTSSynthesisStartEvent,
)
from plugins_core.session_summary import SessionAccumulator
from plugins_core.turns import analyze_turns

PHRASES = [path.stem.replace("_", " ") for path in prompt_files()]
MISSES = [path.stem.replace("_", " ") for path in prompt_files(include_misses=True)[len(PHRASES) :]]
FAST = DemoOptions(rounds=3, pause_s=0, realtime=False, seed=11)
FAST_MIC = DemoOptions(mic=True, rounds=1, pause_s=0, realtime=False, seed=11)

E = TypeVar("E", bound=BaseEvent)


def of_type(events: Sequence[BaseEvent], cls: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, cls)]


def missing_device_reason(kind: str) -> str:
    """Why PortAudio gives no ``kind`` ("input" or "output") device here; skips where one exists."""
    try:
        sd = load_sounddevice()
    except AudioDeviceUnavailable as exc:
        assert exc.reason.startswith(PORTAUDIO_HINT)
        return exc.reason
    default = sd.default.device[0 if kind == "input" else 1]
    if default is not None and default >= 0:
        pytest.skip(f"this machine has a default {kind} device (#{default})")
    return f"no default {kind} device (PortAudio sees no sound card)"


async def first_messages(registry: EventRegistry, options: DemoOptions, settle_s: float = 0.2) -> list[str]:
    """Start the demo, collect what it says until it has spoken and ``settle_s`` more, then stop it."""
    messages: list[str] = []
    task = asyncio.create_task(run_demo(registry, options, notify=messages.append))
    try:
        async with asyncio.timeout(10):
            while not messages and not task.done():
                await asyncio.sleep(0.01)
        await asyncio.sleep(settle_s)
        assert not task.done() or task.exception() is None
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return messages


# ----------------------------------------------------------------------------------------- prompt files


def test_every_demo_phrase_has_a_shipped_prompt_and_the_grammar_is_the_reply_policy() -> None:
    assert (PROMPTS_DIR / "phrases.txt").read_text(encoding="utf-8").split() == " ".join(DEMO_REPLIES).split()
    assert PHRASES == sorted(DEMO_REPLIES) and len(PHRASES) == 9
    assert sorted(MISSES) == sorted(MISS_PHRASES) and not set(MISSES) & set(DEMO_REPLIES)
    assert {*GREETINGS, *REQUESTS, *FAREWELLS} == set(DEMO_REPLIES)
    for phrase in [*DEMO_REPLIES, *MISS_PHRASES]:
        assert prompt_path(phrase).exists(), phrase
        assert prompt_path(phrase).stat().st_size < 100_000, "short prompts keep the package small"


def test_calls_are_three_to_five_turns_varied_with_a_miss_in_every_third() -> None:
    rng = random.Random(5)
    calls = [plan_call(rng, index) for index in range(30)]
    for index, said in enumerate(calls):
        assert 3 <= len(said) <= 5
        assert said[0] in GREETINGS and said[-1] in FAREWELLS
        middle = said[1:-1]
        assert len(set(middle)) == len(middle), "no request twice in a call"
        misses = [phrase for phrase in middle if phrase in MISS_PHRASES]
        assert len(misses) == (1 if index % MISS_EVERY == 1 else 0)
    assert len({tuple(said) for said in calls}) > 20, "calls differ from one another"
    assert {len(said) for said in calls} == {3, 4, 5}


@pytest.mark.asyncio
async def test_the_demo_plays_its_replies_at_real_time_into_the_null_sink() -> None:
    sts, notes = await build_demo(EventRegistry(), DemoOptions())
    try:
        playback = sts.pipeline.playback
        assert playback is not None and playback.realtime and isinstance(playback.sink, NullSink)
        assert notes == ["output: null sink, played at real time (use --speaker to hear the replies)"]
    finally:
        await sts.close()


@pytest.mark.asyncio
async def test_the_demo_holds_calls_of_several_turns_and_one_has_a_miss() -> None:
    registry = EventRegistry()
    messages: list[str] = []
    held = await asyncio.wait_for(run_demo(registry, FAST, notify=messages.append), 60)

    assert held == 3
    assert messages == [
        "output: null sink, played at real time (use --speaker to hear the replies)",
        "input: a scripted caller saying 13 prompt files, 3-5 turns a call; "
        "every 3rd call has one turn outside the grammar",
    ]
    sessions = [event.session_id for event in of_type(registry.events, STSConnectedEvent)]
    assert len(sessions) == len(set(sessions)) == 3
    heard = []
    for index, session in enumerate(sessions):
        assert session is not None
        events = registry.get_session_events(session)
        turns = analyze_turns(events)
        said = [event.text for event in of_type(events, STTTranscriptEvent)]
        heard.append(said)
        assert 3 <= len(turns) <= 5 and len(of_type(events, TTSSynthesisStartEvent)) == len(turns)
        assert said[0] in GREETINGS and said[-1] in FAREWELLS and set(said) <= set(DEMO_REPLIES)
        misses = [turn for turn in turns if turn.status == "failed"]
        assert len(misses) == (1 if index % MISS_EVERY == 1 else 0)
        assert len(said) == len(turns) - len(misses)
        for miss in misses:
            assert miss.agent.text == "Sorry, I did not catch that."
            assert miss.error is not None and miss.error.code == "no_match"
        assert all(turn.agent.playback_reported for turn in turns)
        summary = SessionAccumulator(session)
        for event in events:
            summary.observe(event)
        row = summary.summary()
        assert row.ended and row.has_conversation and row.turns == len(turns)
        assert row.failed_turns == len(misses) and row.first_user_text == said[0]
        assert row.outcome == ("errors" if misses else "ok")
        assert len(of_type(events, STSDisconnectedEvent)) == 1
    assert len({tuple(said) for said in heard}) > 1, "calls differ"

    stats = registry.get_statistics()
    assert stats["error_summary"]["total_errors"] == 1  # the miss, reported as an STT error
    assert stats["error_summary"]["error_breakdown"] == {"pocketsphinx_stt_error": 1}
    distribution = stats["event_distribution"]
    assert distribution["plugin_closed"] == 4, "the demo closes its four plugins"
    # the plugins announced themselves before any call: sessions with no conversation, hidden by default
    lifecycle = {e.session_id for e in registry.events if e.session_id not in sessions}
    for session in lifecycle:
        assert session is not None
        summary = SessionAccumulator(session)
        for event in registry.get_session_events(session):
            summary.observe(event)
        assert not summary.summary().has_conversation


# -------------------------------------------------------------------------------------------- microphone


def test_a_missing_microphone_falls_back_with_a_reason() -> None:
    why = missing_device_reason("input")
    source, reason = open_source("microphone")
    assert isinstance(source, SyntheticSource) and source.kind == "silence" and source.realtime
    assert reason == f"{why}: using silent input"
    prompt = prompt_files()[0]
    source, reason = open_source("microphone", path=prompt)
    assert isinstance(source, WavFileSource) and source.path == prompt
    assert reason == f"{why}: using file input ({prompt})"


@pytest.mark.asyncio
async def test_demo_asked_for_a_missing_microphone_says_why_it_fell_back() -> None:
    why = missing_device_reason("input")
    registry = EventRegistry()
    messages = await first_messages(registry, FAST_MIC)
    assert messages[1] == f"{why}: using silent input; a scripted caller plays the prompt files instead"
    # stopping it mid-conversation ended that conversation cleanly
    assert len(of_type(registry.events, STSConnectedEvent)) == len(
        of_type(registry.events, STSDisconnectedEvent)
    )


@pytest.mark.asyncio
async def test_demo_asked_for_a_missing_microphone_falls_back_to_the_prompt_files() -> None:
    missing_device_reason("input")
    registry = EventRegistry()
    messages: list[str] = []
    held = await asyncio.wait_for(run_demo(registry, FAST_MIC, notify=messages.append), 20)
    assert held == 1
    heard = [event.text for event in of_type(registry.events, STTTranscriptEvent)]
    assert len(heard) >= 3 and set(heard) <= set(PHRASES)


@pytest.mark.asyncio
async def test_demo_asked_for_microphone_and_speaker_says_which_output_it_uses() -> None:
    missing_device_reason("input")
    why = missing_device_reason("output")
    messages = await first_messages(EventRegistry(), DemoOptions(mic=True, speaker=True, realtime=False))
    assert f"{why}: using a null output" in messages
