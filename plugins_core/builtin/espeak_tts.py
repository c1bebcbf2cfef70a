"""EspeakTTS: eSpeak NG (from the ``espeakng-loader`` wheel) on the TTS base class.

The engine hands over 22,050 Hz PCM chunks as it makes them; each becomes an ``audio`` event and
goes to the output while the rest is still being synthesized.
"""

from __future__ import annotations

import asyncio
import threading
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
        """Chunks as the engine makes them. The engine's blocking generator is drained by one worker
        thread that owns it from start to close, so cancelling this stream never touches it mid-call."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        chunks = self.engine.synthesize_chunks(
            text, voice=self.voice_id or "en-us", rate_wpm=self.rate_wpm, pitch=self.pitch
        )

        def hand_over(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the consumer's loop is gone: nothing left to hand over to
                stop.set()

        def pump() -> None:
            try:
                for chunk in chunks:
                    if stop.is_set():
                        break
                    hand_over(chunk)
            except Exception as exc:
                hand_over(exc)
            finally:
                chunks.close()  # aborts a synthesis still running
                hand_over(_END)

        threading.Thread(target=pump, name="espeak-tts", daemon=True).start()
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            stop.set()


_END = object()
