"""The demo: the built-in voice pipeline taking calls from a scripted caller, so the inspector has a
real audio pipeline to show with no microphone, speaker or server to set up.

Each call is a session of 3 to 5 turns: a greeting, one to three requests, goodbye, each said by the
caller once the agent has finished playing its previous reply (plus a human pause). Every third
call has one turn outside the grammar: the recognizer reports a miss and the agent asks again. The
replies play at real time (into the null sink unless ``--speaker``), so turn latencies and "agent
speaking" spans are those a listener would have had.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from plugins_core import EventRegistry
from plugins_core.builtin import (
    MISS_PHRASES,
    PROMPTS_DIR,
    ConversationSTS,
    EspeakTTS,
    PocketSphinxSTT,
    ScriptedCaller,
    ScriptedReplies,
    VoicePipeline,
    WebRTCVAD,
    open_sink,
    open_source,
)

__all__ = [
    "FAREWELLS",
    "GREETINGS",
    "MISS_EVERY",
    "REQUESTS",
    "DemoOptions",
    "build_demo",
    "plan_call",
    "prompt_path",
    "run_demo",
]

logger = logging.getLogger(__name__)

GREETINGS: Final = ("hello world", "good morning")
REQUESTS: Final = (
    "what time is it",
    "what day is it",
    "turn on the lights",
    "play some music",
    "what is the weather like",
    "set a timer",
)
FAREWELLS: Final = ("goodbye",)
MISS_EVERY: Final = 3
"""Every third call (the 2nd, 5th, ...) has one turn outside the grammar."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    mic: bool = False
    speaker: bool = False
    rounds: int | None = None  # calls to hold; None: until cancelled
    pause_s: float = 1.5  # between calls
    realtime: bool = True  # False: the caller, the pipeline and the playback run as fast as they can
    seed: int | None = None  # the calls' mix of phrases and pauses (None: different on every run)


def plan_call(rng: random.Random, index: int) -> list[str]:
    """The phrases of call number ``index`` (from 0): greeting, 1-3 requests, goodbye; on every
    ``MISS_EVERY``-th call one request is replaced by (or joined with) a phrase outside the grammar."""
    requests = rng.sample(REQUESTS, rng.randint(1, 3))
    if index % MISS_EVERY == 1:
        miss = rng.choice(MISS_PHRASES)
        if len(requests) == 3:
            requests[rng.randrange(3)] = miss
        else:
            requests.insert(rng.randint(0, len(requests)), miss)
    return [rng.choice(GREETINGS), *requests, rng.choice(FAREWELLS)]


def prompt_path(phrase: str) -> Path:
    return PROMPTS_DIR / f"{'_'.join(phrase.split())}.wav"


async def build_demo(registry: EventRegistry, options: DemoOptions) -> tuple[ConversationSTS, list[str]]:
    """The pipeline and what was chosen for its ends (input and output, with reasons)."""
    notes: list[str] = []
    replies = ScriptedReplies()
    vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    await stt.warm_up()
    tts = EspeakTTS(registry=registry)
    if options.speaker:
        sink, reason = open_sink("speaker", sample_rate=tts.sample_rate)
        notes.append(reason or "output: speaker")
    else:
        sink, _ = open_sink("null")
        notes.append("output: null sink, played at real time (use --speaker to hear the replies)")
    pipeline = VoicePipeline(vad, stt, tts, replies, output=sink, pace_output=options.realtime)
    return ConversationSTS(pipeline, registry=registry), notes


async def run_demo(
    registry: EventRegistry, options: DemoOptions = DemoOptions(), *, notify: Callable[[str], Any] = print
) -> int:
    """Hold calls until cancelled (or ``options.rounds`` calls); returns the number of calls held."""
    sts, notes = await build_demo(registry, options)
    calls = 0
    try:
        for note in notes:
            notify(note)
        if options.mic:
            source, reason = open_source("microphone")
            if reason is None:
                notify("input: microphone (one conversation; say one of the demo phrases)")
                await sts.converse(source)
                return 1
            await source.close()
            notify(f"{reason}; a scripted caller plays the prompt files instead")
        phrases = (*GREETINGS, *REQUESTS, *FAREWELLS, *MISS_PHRASES)
        missing = [str(prompt_path(p)) for p in phrases if not prompt_path(p).exists()]
        if missing:
            raise FileNotFoundError(
                f"demo prompts missing ({', '.join(missing)}): run scripts/make_prompts.py"
            )
        notify(
            f"input: a scripted caller saying {len(phrases)} prompt files, 3-5 turns a call; "
            f"every {MISS_EVERY}rd call has one turn outside the grammar"
        )
        rng = random.Random(options.seed)
        playback = sts.pipeline.playback
        assert playback is not None  # build_demo always gives the pipeline an output
        while options.rounds is None or calls < options.rounds:
            said = plan_call(rng, calls)
            caller = ScriptedCaller(
                [prompt_path(p) for p in said],
                playback,
                pauses_ms=[rng.randint(400, 900) for _ in said],
                realtime=options.realtime,
            )
            await sts.converse(caller)
            calls += 1
            await asyncio.sleep(options.pause_s)
        return calls
    finally:
        await sts.close()
