"""STT: the speech-to-text plugin base class.

Two ways to deliver results, as upstream has them:

* synchronous: ``_process_audio_impl`` returns ``[(is_final, text, metadata), ...]``;
* asynchronous: it returns None and the provider calls ``_emit_transcript_event`` and friends later,
  possibly from an SDK thread; handlers still run on the plugin's loop.

Events: ``initialized``, ``transcript``, ``partial_transcript``, ``error``, ``closed`` (plus the
``*_legacy`` positional forms).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from typing import Any

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.events import STTErrorEvent, STTPartialTranscriptEvent, STTTranscriptEvent
from plugins_core.exceptions import AudioFormatError
from plugins_core.plugin import Plugin
from plugins_core.registry import EventRegistry
from plugins_core.resample import StreamResampler

__all__ = ["STT", "TranscriptResult"]

logger = logging.getLogger(__name__)

#: One synchronous result: (is_final, text, metadata such as confidence or model_name).
TranscriptResult = tuple[bool, str, dict[str, Any]]

_METADATA_FIELDS = (
    "confidence",
    "language",
    "processing_time_ms",
    "audio_duration_ms",
    "model_name",
    "words",
)


class STT(Plugin, abc.ABC):
    plugin_type = "STT"

    def __init__(
        self,
        sample_rate: int = 16000,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        provider_name: str | None = None,
        plugin_version: str | None = None,
        session_id: str | None = None,
        registry: EventRegistry | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self._resampler: StreamResampler | None = None
        super().__init__(
            provider_name=provider_name,
            plugin_version=plugin_version,
            session_id=session_id,
            registry=registry,
            loop=loop,
            configuration={"sample_rate": sample_rate},
        )

    # ------------------------------------------------------------------------------ processing

    async def process_audio(
        self,
        pcm_data: PcmData | np.ndarray[Any, Any] | bytes | None,
        user_metadata: dict[str, Any] | None = None,
        *,
        sample_rate: int | None = None,
    ) -> None:
        """Transcribe one chunk. Accepts PcmData, a numpy array (at ``sample_rate``, default the
        plugin's) or s16 PCM bytes. Invalid audio is refused with a warning or an error event."""
        self.bind_loop()
        if self._is_closed:
            logger.debug("%s: closed; audio ignored", self)
            return
        try:
            pcm = self._as_pcm(pcm_data, sample_rate)
        except (AudioFormatError, TypeError) as exc:
            self._emit_error_event(exc, "invalid audio", user_metadata)
            return
        if not self._validate_pcm_data(pcm):
            return
        assert pcm is not None
        if pcm.sample_rate != self.sample_rate:
            # one stateful resampler per source rate: chunk edges stay continuous
            if self._resampler is None or self._resampler.source_rate != pcm.sample_rate:
                self._resampler = StreamResampler(pcm.sample_rate, self.sample_rate)
            pcm = self._resampler.process(pcm)
            if pcm.frame_count == 0:
                return
        started = time.perf_counter()
        try:
            results = await self._process_audio_impl(pcm, user_metadata)
            if not results:
                return  # asynchronous provider: it emits its own events
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            for is_final, text, metadata in results:
                meta = dict(metadata)  # never mutate the provider's dict
                meta.setdefault("processing_time_ms", elapsed_ms)
                meta.setdefault("audio_duration_ms", pcm.duration_ms)
                if is_final:
                    self._emit_transcript_event(text, user_metadata, meta)
                else:
                    self._emit_partial_transcript_event(text, user_metadata, meta)
        except Exception as exc:
            self._emit_error_event(exc, "audio processing", user_metadata)

    def _as_pcm(
        self, data: PcmData | np.ndarray[Any, Any] | bytes | None, rate: int | None
    ) -> PcmData | None:
        if data is None or isinstance(data, PcmData):
            return data
        if isinstance(data, np.ndarray):
            return PcmData.from_array(data, rate or self.sample_rate)
        if isinstance(data, (bytes, bytearray, memoryview)):
            return PcmData.from_bytes(data, rate or self.sample_rate)
        raise TypeError(f"pcm_data={type(data).__name__}: must be PcmData, a numpy array or PCM bytes")

    def _validate_pcm_data(self, pcm_data: Any) -> bool:
        """False (with a log line) for None, a missing or non-positive sample rate, or no samples."""
        if pcm_data is None:
            logger.warning("%s: no audio (pcm_data=None)", self)
            return False
        samples = getattr(pcm_data, "samples", None)
        if samples is None:
            logger.warning("%s: audio without samples: %r", self, pcm_data)
            return False
        rate = getattr(pcm_data, "sample_rate", None)
        if not isinstance(rate, int) or rate <= 0:
            logger.warning("%s: invalid sample_rate=%r", self, rate)
            return False
        if len(samples) == 0:
            logger.warning("%s: empty audio chunk refused", self)
            return False
        return True

    @abc.abstractmethod
    async def _process_audio_impl(
        self, pcm_data: PcmData, user_metadata: dict[str, Any] | None = None
    ) -> list[TranscriptResult] | None:
        """Return results (synchronous providers) or None (asynchronous providers emit themselves);
        never both."""

    # ------------------------------------------------------------------------------ emission

    def _emit_transcript_event(
        self, text: str, user_metadata: dict[str, Any] | None, metadata: dict[str, Any]
    ) -> STTTranscriptEvent | None:
        """A final transcript; safe from any thread. Empty text is reported as an error event."""
        if self._is_closed:
            logger.debug("%s: closed; late transcript %r dropped", self, text)
            return None
        try:
            event = STTTranscriptEvent(**self._identity(user_metadata), text=text, **_fields(metadata))
        except ValueError as exc:
            self._emit_error_event(exc, "transcript", user_metadata)
            return None
        self._emit("transcript", event, legacy=(text, user_metadata, metadata))
        return event

    def _emit_partial_transcript_event(
        self, text: str, user_metadata: dict[str, Any] | None, metadata: dict[str, Any]
    ) -> STTPartialTranscriptEvent | None:
        if self._is_closed:
            logger.debug("%s: closed; late partial %r dropped", self, text)
            return None
        try:
            event = STTPartialTranscriptEvent(**self._identity(user_metadata), text=text, **_fields(metadata))
        except ValueError as exc:
            self._emit_error_event(exc, "partial transcript", user_metadata)
            return None
        self._emit("partial_transcript", event, legacy=(text, user_metadata, metadata))
        return event

    def _emit_error_event(
        self, error: BaseException, context: str = "", user_metadata: dict[str, Any] | None = None
    ) -> STTErrorEvent:
        return self._emit_error(STTErrorEvent, error, context, user_metadata)


def _fields(metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata keys that are transcript event fields (others stay in the legacy payload)."""
    return {key: metadata[key] for key in _METADATA_FIELDS if metadata.get(key) is not None}
