"""Where the shipped demo prompts (short WAV files spoken by eSpeak NG) live.

``phrases.txt`` lists the prompts inside the demo grammar; the other WAVs are deliberate misses
(phrases outside it), which the demo plays to show a recognition failure and the agent's recovery.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MISS_PHRASES", "PROMPTS_DIR", "prompt_files"]

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
MISS_PHRASES: tuple[str, ...] = (
    "open the pod bay doors",
    "order a large pizza",
    "send a message to my sister",
    "book a flight to paris",
)
"""Prompts outside the demo grammar: the recognizer finds no match, reports it as an error event and
the agent asks again, so the inspector has real misses to show."""


def prompt_files(*, include_misses: bool = False) -> list[Path]:
    """The prompt WAVs in a stable order (made by ``scripts/make_prompts.py``): those of the grammar's
    phrases, then, with ``include_misses``, those outside it."""
    phrases = (PROMPTS_DIR / "phrases.txt").read_text(encoding="utf-8").split("\n")
    names = {"_".join(p.split()) + ".wav" for p in phrases if p.strip()}
    files = sorted(PROMPTS_DIR.glob("*.wav"))
    known = [f for f in files if f.name in names]
    return known + [f for f in files if f.name not in names] if include_misses else known
