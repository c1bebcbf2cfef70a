"""Bringing audio to the format an audio end wants: int16 at one rate with one channel count.

A whole signal (a prompt file, a TTS result) is converted at once with :func:`conform`. A stream of
chunks (what a sink is sent) goes through one :class:`StreamConformer`, whose stateful
:class:`~plugins_core.resample.StreamResampler` treats the chunks as one signal: resampling each chunk
on its own would lose or invent a fraction of a sample at every edge and click there.
"""

from __future__ import annotations

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.exceptions import AudioFormatError
from plugins_core.resample import StreamResampler

__all__ = ["AudioInput", "StreamConformer", "check_positive", "check_rate", "conform", "conform_channels"]

AudioInput = PcmData | bytes | bytearray | memoryview
"""What sinks accept: PcmData in any format, or raw interleaved int16 bytes with their rate."""


def check_rate(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError(name, value, "must be a positive integer (Hz)")
    return value


def check_positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError(name, value, "must be a positive integer")
    return value


def conform_channels(pcm: PcmData, channels: int) -> PcmData:
    """int16 with ``channels`` channels: mono is duplicated, more are mixed to mono."""
    pcm = pcm.to_int16()
    if pcm.channels == channels:
        return pcm
    if channels == 1:
        return pcm.to_mono()
    if pcm.channels == 1:
        return PcmData(np.repeat(pcm.samples[:, None], channels, axis=1), pcm.sample_rate, pcm.format)
    raise AudioFormatError("audio", repr(pcm), f"{pcm.channels} channels cannot become {channels}")


def conform(pcm: PcmData, sample_rate: int, channels: int) -> PcmData:
    """A whole signal as int16 at ``sample_rate`` with ``channels`` channels (resampled in one piece)."""
    return conform_channels(pcm, channels).resample(sample_rate)


class StreamConformer:
    """Chunks of a stream, each brought to ``sample_rate`` and ``channels`` as int16.

    Chunks already at the target rate pass through untouched. Others go through one resampler per
    source rate, which holds back a few samples between chunks: :meth:`flush` returns them at the end
    of the stream (or before the source rate changes, which :meth:`process` does itself).
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.sample_rate = check_rate("sample_rate", sample_rate)
        self.channels = check_positive("channels", channels)
        self._resampler: StreamResampler | None = None

    def process(self, pcm: PcmData) -> list[PcmData]:
        """The conformed audio for one chunk: nothing, one piece, or (on a rate change) the previous
        stream's tail followed by this chunk."""
        pcm = conform_channels(pcm, self.channels)
        out: list[PcmData] = []
        if self._resampler is not None and self._resampler.source_rate != pcm.sample_rate:
            out.extend(self.flush())
        if pcm.sample_rate == self.sample_rate:
            out.append(pcm)
        else:
            if self._resampler is None:
                self._resampler = StreamResampler(pcm.sample_rate, self.sample_rate)
            out.append(self._resampler.process(pcm).to_int16())
        return [piece for piece in out if piece.frame_count]

    def flush(self) -> list[PcmData]:
        """What the resampler still holds (as if silence followed); the next chunk starts a new stream."""
        resampler, self._resampler = self._resampler, None
        if resampler is None:
            return []
        tail = conform_channels(resampler.flush(), self.channels)
        return [tail] if tail.frame_count else []
