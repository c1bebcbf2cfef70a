"""TTS: the text-to-speech plugin base class.

``send(text)`` emits ``synthesis_start``, one ``audio`` event per chunk (the last one flagged
``is_final_chunk``), then ``synthesis_complete`` timed over the whole stream, with the audio
duration and real-time factor. Upstream timed only the creation of the stream and never flagged a
final chunk; both are fixed here. Audio also goes to an optional output (memory, WAV file, speaker).
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.events import (
    AudioFormat,
    TTSAudioEvent,
    TTSErrorEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
)
from plugins_core.plugin import Plugin
from plugins_core.registry import EventRegistry

__all__ = ["TTS", "AudioOutput", "AudioChunk", "SynthesisResult"]

logger = logging.getLogger(__name__)

#: What ``stream_audio`` may produce, alone or as a (sync or async) stream of chunks.
AudioChunk = bytes | bytearray | PcmData | np.ndarray[Any, Any]


@runtime_checkable
class AudioOutput(Protocol):
    """Where synthesized audio is played or stored (see ``plugins_core.builtin.audio_io``)."""

    async def write(self, pcm: PcmData) -> None: ...


@dataclass(frozen=True, slots=True)
class SynthesisResult:
    """What ``send`` produced: the completion event and all the audio, joined."""

    synthesis_id: str
    audio: PcmData
    complete: TTSSynthesisCompleteEvent


class TTS(Plugin, abc.ABC):
    plugin_type = "TTS"

    def __init__(
        self,
        *,
        sample_rate: int = 16000,
        channels: int = 1,
        provider_name: str | None = None,
        plugin_version: str | None = None,
        session_id: str | None = None,
        registry: EventRegistry | None = None,
        output: AudioOutput | None = None,
        model_name: str | None = None,
        voice_id: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.model_name = model_name
        self.voice_id = voice_id
        self._output = output
        super().__init__(
            provider_name=provider_name,
            plugin_version=plugin_version,
            session_id=session_id,
            registry=registry,
            loop=loop,
            configuration={"sample_rate": sample_rate, "channels": channels, "voice_id": voice_id},
        )

    @property
    def output(self) -> AudioOutput | None:
        return self._output

    def set_output(self, output: AudioOutput | None) -> None:
        """Send audio there as well as in events (None: events only)."""
        self._output = output

    set_output_track = set_output  # upstream's name

    @abc.abstractmethod
    def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> Any:
        """Produce audio for ``text``: a coroutine returning audio or a stream of chunks, or an async
        generator of chunks. Bytes are s16 PCM at ``self.sample_rate`` and ``self.channels``."""

    async def stop_audio(self) -> None:
        """Stop playback in progress (providers with an interruptible output override this)."""

    # ----------------------------------------------------------------------------------- send

    async def send(
        self, text: str, user: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> SynthesisResult:
        """Synthesize ``text``; audio events and output writes happen as chunks arrive.

        Errors emit an ``error`` event (and ``error_legacy``) and are raised again.
        """
        self.bind_loop()
        if self._is_closed:
            raise RuntimeError(f"{self!r} is closed")
        start = TTSSynthesisStartEvent(
            **self._identity(user), text=text, model_name=self.model_name, voice_id=self.voice_id
        )
        synthesis_id = start.synthesis_id
        started = time.perf_counter()
        self._emit("synthesis_start", start)
        pieces: list[PcmData] = []
        pending: PcmData | None = None  # one chunk of look-ahead tells which chunk is the last
        try:
            async for chunk in self._chunks(self.stream_audio(text, *args, **kwargs)):
                if chunk.frame_count == 0:
                    continue
                if self._output is not None:
                    await self._output.write(chunk)
                if pending is not None:
                    self._emit_audio(pending, len(pieces) - 1, False, text, synthesis_id, user)
                pieces.append(chunk)
                pending = chunk
            if pending is not None:
                self._emit_audio(pending, len(pieces) - 1, True, text, synthesis_id, user)
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            audio = _join(pieces, self.sample_rate, self.channels)
            audio_ms = audio.duration_ms
            complete = TTSSynthesisCompleteEvent(
                **self._identity(user),
                synthesis_id=synthesis_id,
                text=text,
                total_audio_bytes=sum(p.samples.nbytes for p in pieces),
                synthesis_time_ms=elapsed_ms,
                audio_duration_ms=audio_ms,
                chunk_count=len(pieces),
                real_time_factor=elapsed_ms / audio_ms if audio_ms else None,
            )
            self._emit("synthesis_complete", complete)
            return SynthesisResult(synthesis_id, audio, complete)
        except Exception as exc:
            self._emit_error(
                TTSErrorEvent, exc, "synthesis", user, text_source=text, synthesis_id=synthesis_id
            )
            raise

    def _emit_audio(
        self, pcm: PcmData, index: int, final: bool, text: str, synthesis_id: str, user: dict[str, Any] | None
    ) -> None:
        event = TTSAudioEvent(
            **self._identity(user),
            audio_data=pcm.to_bytes(),
            audio_format=pcm.format,
            sample_rate=pcm.sample_rate,
            channels=pcm.channels,
            chunk_index=index,
            is_final_chunk=final,
            text_source=text,
            synthesis_id=synthesis_id,
        )
        self._emit("audio", event, legacy=(event.audio_data, user))

    async def _chunks(self, produced: Any) -> AsyncIterator[PcmData]:
        """Normalise whatever ``stream_audio`` produced into a stream of PcmData chunks."""
        if inspect.isawaitable(produced):
            produced = await produced
        if isinstance(produced, (bytes, bytearray, memoryview, PcmData, np.ndarray)) or isinstance(
            getattr(produced, "data", None), (bytes, bytearray, memoryview)
        ):
            yield self._as_pcm(produced)  # one whole piece of audio (or one provider chunk object)
        elif isinstance(produced, AsyncIterable):
            async for chunk in produced:
                yield self._as_pcm(chunk)
        elif isinstance(produced, Iterable) and not isinstance(produced, str):
            for chunk in produced:
                yield self._as_pcm(chunk)
        else:
            raise TypeError(
                f"stream_audio returned {type(produced).__name__}: expected audio or a stream of chunks"
            )

    def _as_pcm(self, chunk: Any) -> PcmData:
        if isinstance(chunk, PcmData):
            return chunk
        if isinstance(chunk, np.ndarray):
            return PcmData.from_array(chunk, self.sample_rate)
        data = getattr(chunk, "data", chunk)  # provider chunk objects with a .data payload
        if isinstance(data, (bytes, bytearray, memoryview)):
            return PcmData.from_bytes(data, self.sample_rate, AudioFormat.PCM_S16, self.channels)
        raise TypeError(
            f"audio chunk of type {type(chunk).__name__}: expected bytes, PcmData or a numpy array"
        )

    async def close(self) -> None:
        if not self._is_closed:
            await self.stop_audio()
        await super().close()


def _join(pieces: list[PcmData], rate: int, channels: int) -> PcmData:
    if not pieces:
        shape: tuple[int, ...] = (0,) if channels == 1 else (0, channels)
        return PcmData(np.zeros(shape, dtype=np.int16), rate)
    first = pieces[0]
    if all(p.format is first.format and p.sample_rate == first.sample_rate for p in pieces):
        return PcmData(np.concatenate([p.samples for p in pieces]), first.sample_rate, first.format)
    joined = [p.to_int16().resample(first.sample_rate).samples for p in pieces]
    return PcmData(np.concatenate(joined), first.sample_rate)
