"""ScriptedReplies: the demo's answer policy: a phrase-to-reply table with a fallback.

A real agent would call a language model here; a table keeps the demo offline, deterministic and
instant, so that the latencies the inspector shows are those of the audio pipeline itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

__all__ = ["DEMO_REPLIES", "ScriptedReplies"]

Reply = str | Callable[[], str]

DEMO_REPLIES: dict[str, Reply] = {
    "hello world": "Hello! What can I do for you?",
    "good morning": "Good morning! How can I help you today?",
    "what time is it": lambda: time.strftime("It is %H:%M."),
    "what day is it": lambda: time.strftime("Today is %A."),
    "turn on the lights": "Okay, turning on the lights.",
    "play some music": "Playing some music for you.",
    "what is the weather like": "It is sunny and twenty degrees outside.",
    "set a timer": "Okay, the timer is set for five minutes.",
    "goodbye": "Goodbye, talk to you soon.",
}
"""The demo's grammar (its keys, which ``phrases.txt`` lists and each shipped prompt says) and answers."""


class ScriptedReplies:
    def __init__(
        self, replies: Mapping[str, Reply] | None = None, fallback: str = "Sorry, I did not catch that."
    ) -> None:
        self.replies = {_normal(k): v for k, v in (replies if replies is not None else DEMO_REPLIES).items()}
        self.fallback = fallback

    @property
    def phrases(self) -> list[str]:
        """What the replies are keyed by: the grammar a recognizer should listen for."""
        return list(self.replies)

    def __call__(self, heard: str) -> str:
        reply = self.replies.get(_normal(heard), self.fallback)
        return reply() if callable(reply) else reply


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("?", " ").replace(".", " ").replace(",", " ").split())
