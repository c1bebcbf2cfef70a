"""Synthesize the demo voice prompts with eSpeak NG into plugins_core/builtin/prompts/, and check each
one through the demo's own ears.

The prompts give the STT and VAD demos and tests real speech without a microphone: 16 kHz mono
16-bit WAV (what the recognizer wants), with 0.4 s of silence before the words and 0.6 s after
them, so that a VAD sees a clear start and end. Run from anywhere::

    python scripts/make_prompts.py [--out DIR] [--voice en-us] [--rate 125] [--force]

The phrases are the demo reply policy's (``DEMO_REPLIES``: its keys are the grammar, written to
``phrases.txt``) plus the deliberate misses (``MISS_PHRASES``), so grammar, replies and prompts cannot
drift apart. eSpeak NG adds a little random jitter, and one rendering in three of a phrase may be
heard wrong, so every rendering is checked the way the demo hears it (WebRTC VAD with 150 ms of
pre-roll, then PocketSphinx over the whole grammar, at each of the three offsets a 20 ms chunk can
have against the VAD's 30 ms frames): a phrase must come back exactly, a miss must find no match.
A rendering that fails is made again (up to ``--attempts`` times). Existing files that pass are
kept, so regenerating after adding a phrase leaves the others byte for byte as they were.

The rate is below the engine's 165 wpm default because slower speech is what PocketSphinx's grammar
mode recognises best: at 125 wpm it returned 4 of the 5 first phrases every time, at 165 wpm only 3.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from plugins_core import EventRegistry  # noqa: E402
from plugins_core.audio import PcmData  # noqa: E402
from plugins_core.builtin import (  # noqa: E402
    DEMO_REPLIES,
    MISS_PHRASES,
    PcmSource,
    PocketSphinxSTT,
    ScriptedReplies,
    VoicePipeline,
    WebRTCVAD,
)
from plugins_core.builtin.espeak_engine import EspeakEngine  # noqa: E402
from plugins_core.builtin.espeak_tts import EspeakTTS  # noqa: E402

PHRASES: tuple[str, ...] = tuple(DEMO_REPLIES)
"""Lower case, no punctuation: each is also a line of phrases.txt, usable as a recognizer grammar."""
MISSES: tuple[str, ...] = MISS_PHRASES
SAMPLE_RATE = 16000
RATE_WPM = 125
LEAD_S = 0.4
TRAIL_S = 0.6
SILENCE_THRESHOLD = 100
"""|sample| at or below this (-50 dBFS) counts as silence when trimming eSpeak's own edges."""
OFFSETS_MS = (0, 10, 20)
"""Where a prompt may start against the VAD's 30 ms frames when a caller says it after 20 ms chunks."""
DEFAULT_OUT = ROOT / "plugins_core" / "builtin" / "prompts"


def slug(phrase: str) -> str:
    return "_".join(phrase.split())


def render(engine: EspeakEngine, phrase: str, *, voice: str = "en-us", rate_wpm: int = RATE_WPM) -> PcmData:
    """The phrase at 16 kHz, its own leading/trailing near-silence trimmed, then padded to exact margins."""
    speech = PcmData(engine.synthesize(phrase, voice=voice, rate_wpm=rate_wpm), engine.sample_rate)
    samples = speech.resample(SAMPLE_RATE).samples
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size:
        samples = samples[loud[0] : loud[-1] + 1]
    padded = np.concatenate(
        [
            np.zeros(round(LEAD_S * SAMPLE_RATE), dtype=np.int16),
            samples,
            np.zeros(round(TRAIL_S * SAMPLE_RATE), dtype=np.int16),
        ]
    )
    return PcmData(padded, SAMPLE_RATE)


class Ears:
    """The demo's VAD and recognizer over the whole grammar: what it hears in a prompt."""

    def __init__(self) -> None:
        registry = EventRegistry()
        replies = ScriptedReplies()
        self.stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry, report_no_match=False)
        vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
        self.pipeline = VoicePipeline(vad, self.stt, EspeakTTS(registry=registry), replies)

    async def heard(self, pcm: PcmData) -> list[list[str | None]]:
        """What was recognised in each utterance of ``pcm``, at each offset of OFFSETS_MS."""
        found = []
        for offset_ms in OFFSETS_MS:
            shifted = np.concatenate([np.zeros(offset_ms * SAMPLE_RATE // 1000, np.int16), pcm.samples])
            result = await self.pipeline.run_conversation(
                PcmSource(PcmData(shifted, SAMPLE_RATE), realtime=False)
            )
            found.append([turn.heard for turn in result.turns])
        return found

    async def passes(self, phrase: str, pcm: PcmData) -> bool:
        expected: list[str | None] = [phrase] if phrase in PHRASES else [None]
        return all(heard == expected for heard in await self.heard(pcm))


async def make(out: Path, *, voice: str, rate_wpm: int, attempts: int, force: bool) -> list[str]:
    """Write every prompt that is missing or fails the check; returns the phrases that never passed."""
    engine = EspeakEngine.get()
    ears = Ears()
    await ears.stt.warm_up()
    failed = []
    for phrase in PHRASES + MISSES:
        path = out / f"{slug(phrase)}.wav"
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if path.exists() and not force and await ears.passes(phrase, PcmData.from_wav(path)):
            print(f"{shown}: kept ({PcmData.from_wav(path).duration:.2f} s)")
            continue
        for attempt in range(1, attempts + 1):
            pcm = render(engine, phrase, voice=voice, rate_wpm=rate_wpm)
            if await ears.passes(phrase, pcm):
                path.write_bytes(pcm.to_wav_bytes())
                print(f"{shown}: {pcm.duration:.2f} s (rendering {attempt})")
                break
        else:
            failed.append(phrase)
            print(f"{shown}: no rendering of {phrase!r} passed in {attempts} attempts", file=sys.stderr)
    await ears.pipeline.close()
    (out / "phrases.txt").write_text("".join(f"{phrase}\n" for phrase in PHRASES), encoding="utf-8")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    parser.add_argument("--voice", default="en-us", help="eSpeak NG voice or language (default: %(default)s)")
    parser.add_argument("--rate", type=int, default=RATE_WPM, help="words per minute (default: %(default)s)")
    parser.add_argument("--attempts", type=int, default=12, help="renderings tried per prompt (default: 12)")
    parser.add_argument(
        "--force", action="store_true", help="render every prompt again, even those that pass"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    failed = asyncio.run(
        make(out, voice=args.voice, rate_wpm=args.rate, attempts=args.attempts, force=args.force)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
