"""PocketSphinxSTT: streaming offline recognition on the STT base class.

Audio is fed chunk by chunk inside an utterance (``process_audio``); each change of the decoder's
best guess is a ``partial_transcript``, and ``end_utterance()`` emits the final ``transcript`` with
the confidence from the decoder's posterior and word timings. In grammar mode (a JSGF grammar or a
phrase list) recognition of those phrases is exact; open dictation is offered but weak.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.builtin.sphinx_engine import FinalResult, SphinxRecognizer
from plugins_core.exceptions import PluginsCoreError
from plugins_core.stt import STT, TranscriptResult

__all__ = ["NoMatchError", "PocketSphinxSTT"]

logger = logging.getLogger(__name__)

#: RMS (int16) below which an utterance is silence, not speech: -50 dBFS. Silence that found no match
#: is not a miss worth an error event.
_SPEECH_RMS = 100.0


class NoMatchError(PluginsCoreError):
    """Speech was heard but nothing in the grammar matched it (reported, never raised)."""

    error_code = "no_match"
    log_level = logging.WARNING


class PocketSphinxSTT(STT):
    """Args:
    phrases, grammar: grammar mode (a phrase list or a JSGF grammar); neither: open dictation.
    report_no_match: an utterance of at least ``min_utterance_ms`` with no result becomes an
        ``error`` event (``NoMatchError``), so misses show in error rates instead of vanishing.
    """

    def __init__(
        self,
        *,
        phrases: Iterable[str] | None = None,
        grammar: str | None = None,
        provider_name: str = "pocketsphinx",
        report_no_match: bool = True,
        min_utterance_ms: float = 300.0,
        **kwargs: Any,
    ) -> None:
        self.recognizer = SphinxRecognizer(grammar=grammar, phrases=phrases)
        self.report_no_match = report_no_match
        self.min_utterance_ms = min_utterance_ms
        self._utterance_ms = 0.0
        self._utterance_peak_rms = 0.0
        self.model_name = f"pocketsphinx-en-us-{self.recognizer.mode}"
        super().__init__(16000, provider_name=provider_name, plugin_version=_version(), **kwargs)

    async def warm_up(self) -> None:
        """Load the model now (100-600 ms) in a worker thread instead of on the first utterance."""
        await asyncio.to_thread(self.recognizer.load)

    @property
    def in_utterance(self) -> bool:
        return self.recognizer.in_utterance

    async def _process_audio_impl(
        self, pcm_data: PcmData, user_metadata: dict[str, Any] | None = None
    ) -> list[TranscriptResult] | None:
        if not self.recognizer.in_utterance:
            self.recognizer.start()
            self._utterance_ms = 0.0
            self._utterance_peak_rms = 0.0
        self._utterance_ms += pcm_data.duration_ms
        samples = pcm_data.to_mono().to_int16().samples
        if samples.size:
            self._utterance_peak_rms = max(
                self._utterance_peak_rms, float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
            )
        partial = self.recognizer.feed(pcm_data.to_mono().to_int16().samples)
        if partial is None or not partial.text:
            return None
        return [
            (
                False,
                partial.text,
                {
                    "model_name": self.model_name,
                    "processing_time_ms": partial.processing_time_ms,
                    "audio_duration_ms": partial.audio_duration_ms,
                    "language": "en-US",
                },
            )
        ]

    async def end_utterance(self, user_metadata: dict[str, Any] | None = None) -> FinalResult | None:
        """Finish the utterance: emit the final transcript (or nothing, if nothing was recognised)."""
        if self._is_closed or not self.recognizer.in_utterance:
            return None
        try:
            result = self.recognizer.finish()
        except Exception as exc:
            self._emit_error_event(exc, "end of utterance", user_metadata)
            return None
        if result is None or not result.text:
            heard_sound = self._utterance_peak_rms >= _SPEECH_RMS
            if self.report_no_match and heard_sound and self._utterance_ms >= self.min_utterance_ms:
                guess = self.recognizer.last_guess
                heard = f" (best guess: {guess!r})" if guess else ""
                miss = NoMatchError(
                    f"no {self.recognizer.mode} match in {self._utterance_ms:.0f} ms of speech{heard}"
                )
                self._emit_error_event(miss, "recognition", user_metadata)
            return None
        self._emit_transcript_event(
            result.text,
            user_metadata,
            {
                "confidence": result.confidence,
                "processing_time_ms": result.processing_time_ms,
                "audio_duration_ms": result.audio_duration_ms,
                "model_name": self.model_name,
                "words": [dict(w) for w in result.words],
                "language": "en-US",
            },
        )
        return result

    async def transcribe(
        self, pcm: PcmData, user_metadata: dict[str, Any] | None = None
    ) -> FinalResult | None:
        """One whole segment (e.g. a VAD ``audio`` event): partials while feeding, then the final."""
        for start in range(0, pcm.frame_count, 320):  # 20 ms steps, as a live stream would arrive
            chunk = PcmData(pcm.samples[start : start + 320], pcm.sample_rate, pcm.format)
            await self.process_audio(chunk, user_metadata)
        return await self.end_utterance(user_metadata)

    async def close(self) -> None:
        if self.recognizer.in_utterance:
            self.recognizer.cancel()
        await super().close()


def _version() -> str | None:
    try:
        from importlib.metadata import version

        return version("pocketsphinx")
    except Exception:  # metadata missing in a vendored install: the version is informative only
        logger.debug("pocketsphinx version unknown", exc_info=True)
        return None
