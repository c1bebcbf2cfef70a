"""The demo: the built-in voice pipeline talking to itself from prompt files, so the inspector has a
real audio pipeline to show with no microphone, speaker or server to set up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugins_core import EventRegistry
from plugins_core.builtin import (
    ConversationSTS,
    EspeakTTS,
    PocketSphinxSTT,
    ScriptedReplies,
    VoicePipeline,
    WavFileSource,
    WebRTCVAD,
    open_sink,
    open_source,
    prompt_files,
)

__all__ = ["DemoOptions", "build_demo", "run_demo"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoOptions:
    mic: bool = False
    speaker: bool = False
    rounds: int | None = None  # None: until cancelled
    pause_s: float = 1.5
    realtime: bool = True


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
        notes.append("output: null sink (use --speaker to hear the replies)")
    pipeline = VoicePipeline(vad, stt, tts, replies, output=sink)
    return ConversationSTS(pipeline, registry=registry), notes


async def run_demo(
    registry: EventRegistry, options: DemoOptions = DemoOptions(), *, notify: Callable[[str], Any] = print
) -> int:
    """Hold conversations until cancelled (or ``options.rounds`` passes over the prompts); returns
    the number of conversations held."""
    sts, notes = await build_demo(registry, options)
    conversations = 0
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
            notify(f"{reason}; playing the prompt files instead")
        prompts = prompt_files(include_misses=True)
        if not prompts:
            raise FileNotFoundError("no demo prompts found: run scripts/make_prompts.py")
        notify(f"input: {len(prompts)} prompt files, one conversation each (one is outside the grammar)")
        rounds = 0
        while options.rounds is None or rounds < options.rounds:
            for path in prompts:
                await sts.converse(WavFileSource(path, realtime=options.realtime, trailing_silence_ms=300))
                conversations += 1
                await asyncio.sleep(options.pause_s)
            rounds += 1
        return conversations
    finally:
        await sts.close()
