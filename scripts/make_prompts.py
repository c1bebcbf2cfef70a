"""Synthesize the demo voice prompts with eSpeak NG into plugins_core/builtin/prompts/.

The prompts give the STT and VAD demos and tests real speech without a microphone: 16 kHz mono
16-bit WAV (what the recognizer wants), with 0.4 s of silence before the words and 0.6 s after
them, so that a VAD sees a clear start and end. Run from anywhere::

    python scripts/make_prompts.py [--out DIR] [--voice en-us] [--rate 125]

The rate is below the engine's 165 wpm default because slower speech is what PocketSphinx's grammar
mode recognises best: at 125 wpm it returned 4 of the 5 phrases every time (``what time is it``
comes back as ``what time``), at 165 wpm only 3. eSpeak NG adds a little random jitter, so each run
writes slightly different (equally valid) files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from plugins_core.audio import PcmData  # noqa: E402
from plugins_core.builtin.espeak_engine import EspeakEngine  # noqa: E402

PHRASES: tuple[str, ...] = (
    "hello world",
    "what time is it",
    "turn on the lights",
    "play some music",
    "goodbye",
)
"""Lower case, no punctuation: each is also a line of phrases.txt, usable as a recognizer grammar."""
MISSES: tuple[str, ...] = ("open the pod bay doors",)
"""Spoken prompts outside the grammar (not in phrases.txt): the demo's recognizer finds no match,
reports it as an error event and the agent asks again, so the inspector has a real miss to show."""
SAMPLE_RATE = 16000
RATE_WPM = 125
LEAD_S = 0.4
TRAIL_S = 0.6
SILENCE_THRESHOLD = 100
"""|sample| at or below this (-50 dBFS) counts as silence when trimming eSpeak's own edges."""
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    parser.add_argument("--voice", default="en-us", help="eSpeak NG voice or language (default: %(default)s)")
    parser.add_argument("--rate", type=int, default=RATE_WPM, help="words per minute (default: %(default)s)")
    args = parser.parse_args(argv)

    engine = EspeakEngine.get()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for phrase in PHRASES + MISSES:
        pcm = render(engine, phrase, voice=args.voice, rate_wpm=args.rate)
        path = out / f"{slug(phrase)}.wav"
        path.write_bytes(pcm.to_wav_bytes())
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {pcm.duration:.2f} s")
    (out / "phrases.txt").write_text("".join(f"{phrase}\n" for phrase in PHRASES), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
