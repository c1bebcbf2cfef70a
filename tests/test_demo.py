"""inspector.demo: the built-in pipeline talking to itself from the shipped prompts, and what it
says when asked for a microphone that does not exist. Real engines, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TypeVar

import pytest

from inspector.demo import DemoOptions, run_demo
from plugins_core import EventRegistry
from plugins_core.builtin import (
    DEMO_REPLIES,
    AudioDeviceUnavailable,
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

PHRASES = [path.stem.replace("_", " ") for path in prompt_files()]
MISSES = [path.stem.replace("_", " ") for path in prompt_files(include_misses=True)[len(PHRASES) :]]
FAST = DemoOptions(rounds=1, pause_s=0, realtime=False)
FAST_MIC = DemoOptions(mic=True, rounds=1, pause_s=0, realtime=False)

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


@pytest.mark.asyncio
async def test_demo_holds_one_conversation_per_prompt_and_hears_each_phrase_exactly() -> None:
    registry = EventRegistry()
    messages: list[str] = []
    held = await asyncio.wait_for(run_demo(registry, FAST, notify=messages.append), 30)

    assert held == len(PHRASES) + len(MISSES) == 6
    assert messages == [
        "output: null sink (use --speaker to hear the replies)",
        "input: 6 prompt files, one conversation each (one is outside the grammar)",
    ]
    sessions = [event.session_id for event in of_type(registry.events, STSConnectedEvent)]
    assert len(sessions) == len(set(sessions)) == 6
    heard, answered = [], []
    for session in sessions:
        assert session is not None
        events = registry.get_session_events(session)
        heard.append([event.text for event in of_type(events, STTTranscriptEvent)])
        answered.append([event.text for event in of_type(events, TTSSynthesisStartEvent)])
        assert len(of_type(events, STSDisconnectedEvent)) == 1
    assert heard == [[phrase] for phrase in PHRASES] + [[]]  # the phrase outside the grammar is not heard
    for phrase, replies in zip(PHRASES, answered, strict=False):
        if phrase != "what time is it":  # that answer names the current minute
            assert replies == [DEMO_REPLIES[phrase]]
    assert answered[-1] == ["Sorry, I did not catch that."]  # the agent asks again

    stats = registry.get_statistics()
    assert stats["error_summary"]["total_errors"] == 1  # the miss, reported as an STT error
    assert stats["error_summary"]["error_breakdown"] == {"pocketsphinx_stt_error": 1}
    assert {name: rates["errors"] for name, rates in stats["plugin_error_rates"].items()} == {
        "webrtc-vad": 0,
        "pocketsphinx": 1,
        "espeak-ng": 0,
        "conversation-sts": 0,
    }
    distribution = stats["event_distribution"]
    assert distribution["stt_transcript"] == 5
    assert distribution["tts_synthesis_complete"] == 6
    assert distribution["plugin_closed"] == 4, "the demo closes its four plugins"


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
    assert messages[1] == f"{why}: using silent input; playing the prompt files instead"
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
    assert held >= 1
    heard = [event.text for event in of_type(registry.events, STTTranscriptEvent)]
    assert len(heard) == held - len(MISSES) and set(heard) <= set(PHRASES)


@pytest.mark.asyncio
async def test_demo_asked_for_microphone_and_speaker_says_which_output_it_uses() -> None:
    missing_device_reason("input")
    why = missing_device_reason("output")
    messages = await first_messages(EventRegistry(), DemoOptions(mic=True, speaker=True, realtime=False))
    assert f"{why}: using a null output" in messages
