"""VAD: voice-activity detection with upstream's hysteresis over an abstract per-frame probability.

Speech starts when a frame reaches ``activation_th``; while active, frames at or above
``deactivation_th`` count as speech, and ``speech_pad_ms`` of frames below it end the segment;
segments shorter than ``min_speech_ms`` emit no audio, and ``max_speech_ms`` forces a flush.
Fixes over upstream: the segment is PCM bytes at the VAD's true sample rate (upstream sent numpy
arrays labelled 16 kHz), its probability is the mean over its speech frames (not a constant), and
durations are audio time, not wall-clock time. ``speech_end.total_speech_duration_ms`` is the speech
heard after ``speech_start`` (from the frame that started it to the last frame judged speech, so not
the trailing silence the VAD waits for): ``speech_start``'s time plus it is when the user stopped.

Events: ``initialized``, ``speech_start``, ``partial``, ``audio``, ``speech_end``, ``error``, ``closed``.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections import deque
from typing import Any

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.events import (
    VADAudioEvent,
    VADErrorEvent,
    VADPartialEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)
from plugins_core.plugin import Plugin
from plugins_core.registry import EventRegistry
from plugins_core.resample import StreamResampler

__all__ = ["VAD"]

logger = logging.getLogger(__name__)


class VAD(Plugin, abc.ABC):
    plugin_type = "VAD"

    def __init__(
        self,
        sample_rate: int = 16000,
        frame_size: int = 512,
        silence_threshold: float = 0.5,  # deprecated upstream; kept for signature compatibility
        activation_th: float = 0.5,
        deactivation_th: float = 0.35,
        speech_pad_ms: int = 300,
        min_speech_ms: int = 250,
        max_speech_ms: int = 30000,
        partial_frames: int = 10,
        provider_name: str | None = None,
        *,
        prefix_pad_ms: int = 0,
        plugin_version: str | None = None,
        session_id: str | None = None,
        registry: EventRegistry | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        for name, value in (
            ("sample_rate", sample_rate),
            ("frame_size", frame_size),
            ("partial_frames", partial_frames),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}={value!r}: must be a positive integer")
        if not 0.0 <= deactivation_th <= activation_th <= 1.0:
            raise ValueError(
                f"activation_th={activation_th!r}, deactivation_th={deactivation_th!r}: "
                "need 0 <= deactivation_th <= activation_th <= 1"
            )
        self.sample_rate = sample_rate
        self.frame_size = frame_size
        self.silence_threshold = silence_threshold
        self.activation_th = activation_th
        self.deactivation_th = deactivation_th
        self.speech_pad_ms = speech_pad_ms
        self.min_speech_ms = min_speech_ms
        self.max_speech_ms = max_speech_ms
        self.partial_frames = partial_frames
        frame_ms = frame_size * 1000.0 / sample_rate
        self._pad_frames = max(1, int(speech_pad_ms / frame_ms))
        self._min_samples = int(min_speech_ms * sample_rate / 1000)
        self._max_frames = max(1, int(max_speech_ms / frame_ms))
        # frames heard just before activation, kept so that a segment does not clip its first phoneme
        self._prefix: deque[np.ndarray[Any, Any]] = deque(maxlen=max(0, int(prefix_pad_ms / frame_ms)))
        self._resampler: StreamResampler | None = None
        self._reset_state()
        super().__init__(
            provider_name=provider_name,
            plugin_version=plugin_version,
            session_id=session_id,
            registry=registry,
            loop=loop,
            configuration={
                "sample_rate": sample_rate,
                "frame_size": frame_size,
                "activation_threshold": activation_th,
                "deactivation_threshold": deactivation_th,
                "speech_pad_ms": speech_pad_ms,
                "min_speech_ms": min_speech_ms,
                "max_speech_ms": max_speech_ms,
            },
        )

    def _reset_state(self) -> None:
        self.is_speech_active = False
        self._frames: list[np.ndarray[Any, Any]] = []
        self._silence_frames = 0
        self._speech_frames = 0
        self._probability_sum = 0.0
        self._speech_from = self._speech_until = 0  # frames up to the start decision / the last speech frame
        self._last_probability = 0.0
        self._frames_since_partial = 0
        self._leftover = np.zeros(0, dtype=np.int16)

    @abc.abstractmethod
    async def is_speech(self, frame: PcmData) -> float:
        """Probability in [0, 1] that this frame (``frame_size`` mono s16 samples) is speech."""

    # ------------------------------------------------------------------------------ processing

    async def process_audio(
        self,
        pcm_data: PcmData | np.ndarray[Any, Any] | bytes,
        user: dict[str, Any] | None = None,
        *,
        sample_rate: int | None = None,
    ) -> None:
        """Feed audio of any length; whole frames are classified, the rest waits for the next call."""
        self.bind_loop()
        if self._is_closed:
            return
        pcm = _as_pcm(pcm_data, sample_rate or self.sample_rate).to_mono().to_int16()
        if pcm.sample_rate != self.sample_rate:
            pcm = self._resample(pcm)
        samples = np.concatenate([self._leftover, pcm.samples]) if self._leftover.size else pcm.samples
        whole = (samples.size // self.frame_size) * self.frame_size
        self._leftover = samples[whole:].copy()
        for offset in range(0, whole, self.frame_size):
            frame = samples[offset : offset + self.frame_size]
            try:
                probability = float(await self.is_speech(PcmData(frame, self.sample_rate)))
                if not 0.0 <= probability <= 1.0:
                    raise ValueError(f"is_speech returned {probability!r}: must be in [0, 1]")
            except Exception as exc:
                self._emit_error_event(exc, "is_speech", user)
                continue
            self._process_frame(frame, probability, user)

    def _resample(self, pcm: PcmData) -> PcmData:
        """Chunks at another rate go through one stateful resampler, so the stream stays continuous."""
        if self._resampler is None or self._resampler.source_rate != pcm.sample_rate:
            self._resampler = StreamResampler(pcm.sample_rate, self.sample_rate)
        return self._resampler.process(pcm)

    def _process_frame(
        self, frame: np.ndarray[Any, Any], probability: float, user: dict[str, Any] | None
    ) -> None:
        self._last_probability = probability
        if not self.is_speech_active:
            if probability < self.activation_th:
                if self._prefix.maxlen:
                    self._prefix.append(frame)
                return
            self.is_speech_active = True
            self._frames = [*self._prefix, frame]
            self._speech_from = self._speech_until = len(self._frames)
            self._prefix.clear()
            self._speech_frames = 1
            self._probability_sum = probability
            self._silence_frames = 0
            self._frames_since_partial = 0
            self._emit(
                "speech_start",
                VADSpeechStartEvent(
                    **self._identity(user),
                    speech_probability=probability,
                    activation_threshold=self.activation_th,
                    frame_count=1,
                ),
            )
            return
        self._frames.append(frame)
        if probability >= self.deactivation_th:
            self._silence_frames = 0
            self._speech_frames += 1
            self._probability_sum += probability
            self._speech_until = len(self._frames)
        else:
            self._silence_frames += 1
        self._frames_since_partial += 1
        if self._frames_since_partial >= self.partial_frames:
            self._frames_since_partial = 0
            self._emit_partial(user)
        if self._silence_frames >= self._pad_frames or len(self._frames) >= self._max_frames:
            self._flush_speech_buffer(user)

    def _segment(self) -> PcmData:
        return PcmData(
            np.concatenate(self._frames) if self._frames else np.zeros(0, np.int16), self.sample_rate
        )

    def pending_audio(self) -> PcmData:
        """The open segment so far followed by samples not yet classified: a streaming recognizer
        that starts at ``speech_start`` and is fed every later chunk hears the segment unbroken."""
        parts = [*self._frames, self._leftover] if self.is_speech_active else [self._leftover]
        return PcmData(np.concatenate(parts) if parts else np.zeros(0, np.int16), self.sample_rate)

    def _mean_probability(self) -> float | None:
        return self._probability_sum / self._speech_frames if self._speech_frames else None

    def _emit_partial(self, user: dict[str, Any] | None) -> None:
        pcm = self._segment()
        event = VADPartialEvent(
            **self._identity(user),
            audio_data=pcm.to_bytes(),
            sample_rate=self.sample_rate,
            duration_ms=pcm.duration_ms,
            speech_probability=self._mean_probability(),
            frame_count=len(self._frames),
            is_speech_active=True,
        )
        self._emit("partial", event, legacy=(pcm, user))

    def _flush_speech_buffer(self, user: dict[str, Any] | None = None) -> None:
        was_active = self.is_speech_active
        pcm = self._segment()
        if was_active and pcm.frame_count >= self._min_samples:
            event = VADAudioEvent(
                **self._identity(user),
                audio_data=pcm.to_bytes(),
                sample_rate=self.sample_rate,
                duration_ms=pcm.duration_ms,
                speech_probability=self._mean_probability(),
                frame_count=len(self._frames),
            )
            self._emit("audio", event, legacy=(pcm, user))
        if was_active:
            self._emit(
                "speech_end",
                VADSpeechEndEvent(
                    **self._identity(user),
                    speech_probability=self._last_probability,
                    deactivation_threshold=self.deactivation_th,
                    total_speech_duration_ms=(self._speech_until - self._speech_from)
                    * self.frame_size
                    * 1000.0
                    / self.sample_rate,
                    total_frames=len(self._frames),
                ),
            )
        leftover = self._leftover
        self._reset_state()
        self._leftover = leftover  # samples not yet classified belong to what comes next

    async def flush(self, user: dict[str, Any] | None = None) -> None:
        """End an open segment now (e.g. at the end of a file)."""
        if self._resampler is not None:
            resampler, self._resampler = self._resampler, None
            await self.process_audio(resampler.flush(), user)
        self._flush_speech_buffer(user)

    async def reset(self) -> None:
        """Forget all state, including unclassified samples; emits nothing."""
        self._reset_state()
        self._prefix.clear()
        self._resampler = None

    def _emit_error_event(
        self, error: BaseException, context: str = "", user_metadata: dict[str, Any] | None = None
    ) -> VADErrorEvent:
        return self._emit_error(
            VADErrorEvent, error, context, user_metadata, frame_data_available=bool(self._frames)
        )

    async def close(self) -> None:
        if not self._is_closed and self.is_speech_active:
            await self.flush()
        await super().close()


def _as_pcm(data: PcmData | np.ndarray[Any, Any] | bytes, rate: int) -> PcmData:
    if isinstance(data, PcmData):
        return data
    if isinstance(data, np.ndarray):
        return PcmData.from_array(data, rate)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return PcmData.from_bytes(data, rate)
    raise TypeError(f"pcm_data={type(data).__name__}: must be PcmData, a numpy array or PCM bytes")
