"""StreamResampler: band-limited resampling of audio that arrives in chunks.

Resampling each chunk on its own (as a whole-buffer method must) loses or invents a fraction of a
sample at every edge and clicks there; a live 44.1 or 48 kHz microphone feeding a 16 kHz recognizer
needs the stream treated as one signal. This wraps soxr's streaming resampler (libsoxr, "high
quality": flat to 0.9 of the new Nyquist frequency, aliases more than 100 dB down), which keeps its
filter state between calls, so the chunks resampled one after another give exactly the samples the
whole buffer resampled at once gives (:meth:`PcmData.resample`).

The filter needs input from after each output sample, and soxr works in blocks: output trails the
input by about 20 ms at the usual rates (up to about 40 ms, or 60 ms when upsampling 8 kHz), held
back until more audio arrives or :meth:`flush` ends the stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import soxr

from plugins_core.audio import PcmData, check_sample_rate
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError

__all__ = ["StreamResampler"]

_QUALITIES = ("QQ", "LQ", "MQ", "HQ", "VHQ")


class StreamResampler:
    """Resample one chunked stream from ``source_rate`` to ``target_rate`` without edge clicks.

    The first chunk fixes the channel count and the output format (s16 in, s16 out; f32 in, f32 out).
    ``quality`` is soxr's: ``"HQ"`` (the default), ``"VHQ"``, ``"MQ"``, ``"LQ"`` or ``"QQ"`` (no
    anti-aliasing filter; the shortest delay).
    """

    def __init__(self, source_rate: int, target_rate: int, *, quality: str = "HQ") -> None:
        self.source_rate = check_sample_rate("source_rate", source_rate)
        self.target_rate = check_sample_rate("target_rate", target_rate)
        if quality not in _QUALITIES:
            raise AudioFormatError("quality", quality, f"must be one of {', '.join(_QUALITIES)}")
        self.quality = quality
        self._stream: soxr.ResampleStream | None = None
        self._channels: int | None = None
        self._format = AudioFormat.PCM_S16

    def __repr__(self) -> str:
        return f"StreamResampler({self.source_rate} Hz -> {self.target_rate} Hz, {self.quality})"

    @property
    def delay_ms(self) -> float:
        """How much output is held back now, in milliseconds (0 before the first chunk)."""
        if self._stream is None:
            return 0.0
        return float(self._stream.delay()) * 1000.0 / self.target_rate

    def process(self, pcm: PcmData) -> PcmData:
        """Resample the next chunk; returns what can be computed so far (possibly no frames)."""
        if pcm.sample_rate != self.source_rate:
            raise AudioFormatError(
                "sample_rate", pcm.sample_rate, f"this resampler reads {self.source_rate} Hz"
            )
        if self._stream is None:
            self._channels = pcm.channels
            self._format = pcm.format
            self._stream = soxr.ResampleStream(
                self.source_rate, self.target_rate, pcm.channels, dtype="float32", quality=self.quality
            )
        elif pcm.channels != self._channels:
            raise AudioFormatError("channels", pcm.channels, f"this stream has {self._channels}")
        source = np.ascontiguousarray(pcm.samples, dtype=np.float32)  # exact for int16 samples
        return self._pcm(self._stream.resample_chunk(source))

    def flush(self) -> PcmData:
        """The held-back tail, as if silence followed: call at the end of the stream.

        The resampler is then ready for a new stream (of any channel count and format).
        """
        if self._stream is None:
            return PcmData(np.zeros(0, dtype=np.int16), self.target_rate)
        shape: tuple[int, ...] = (0,) if self._channels == 1 else (0, self._channels or 1)
        tail = self._pcm(self._stream.resample_chunk(np.zeros(shape, dtype=np.float32), last=True))
        self._stream = None
        self._channels = None
        return tail

    def _pcm(self, out: np.ndarray[Any, Any]) -> PcmData:
        if self._channels == 1 and out.ndim == 2:
            out = out[:, 0]
        if self._format is AudioFormat.PCM_F32:
            return PcmData(out.astype(np.float32, copy=False), self.target_rate, AudioFormat.PCM_F32)
        return PcmData(np.clip(np.round(out), -32768, 32767).astype(np.int16), self.target_rate)
