"""Where the shipped demo prompts (short WAV files spoken by eSpeak NG) live."""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROMPTS_DIR", "prompt_files"]

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


def prompt_files() -> list[Path]:
    """The prompt WAVs, in a stable order (made by ``scripts/make_prompts.py``)."""
    return sorted(PROMPTS_DIR.glob("*.wav"))
