"""EspeakTTS: eSpeak NG (from the ``espeakng-loader`` wheel) on the TTS base class.

The engine hands over 22,050 Hz PCM chunks as it makes them; each becomes an ``audio`` event and
goes to the output while the rest is still being synthesized.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from plugins_core.builtin.espeak_engine import EspeakEngine
from plugins_core.tts import TTS

__all__ = ["EspeakTTS"]


class EspeakTTS(TTS):
    def __init__(
        self,
        *,
        voice: str = "en-us",
        rate_wpm: int = 165,
        pitch: int = 50,
        provider_name: str = "espeak-ng",
        **kwargs: Any,
    ) -> None:
        self.engine = EspeakEngine.get()
        self.rate_wpm = rate_wpm
        self.pitch = pitch
        super().__init__(
            sample_rate=self.engine.sample_rate,
            provider_name=provider_name,
            plugin_version=self.engine.version,
            model_name="espeak-ng",
            voice_id=voice,
            **kwargs,
        )

    async def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> AsyncIterator[np.ndarray[Any, Any]]:
        chunks = self.engine.synthesize_chunks(
            text, voice=self.voice_id or "en-us", rate_wpm=self.rate_wpm, pitch=self.pitch
        )
        sentinel = object()
        try:
            while True:
                # the engine blocks while it synthesizes: wait for each chunk in a worker thread
                chunk = await asyncio.to_thread(next, chunks, sentinel)
                if chunk is sentinel:
                    return
                yield chunk  # type: ignore[misc]
        finally:
            chunks.close()
