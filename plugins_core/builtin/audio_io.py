"""Audio sources and sinks for a voice pipeline: WAV files, synthetic audio, and devices through PortAudio.

Sources are async iterators of fixed-size :class:`PcmData` chunks (20 ms of 16 kHz mono int16 by default, the
frame size VADs and recognizers want); sinks accept PcmData or raw int16 bytes. Devices go through
``sounddevice``, which is imported only when a device is used: importing this module never needs PortAudio, so
a machine without a sound card or without ``libportaudio2`` still runs the pipeline on files, and
:func:`open_source` / :func:`open_sink` fall back to file input and a null output with a reason to show.

Threading: PortAudio calls back on its own thread. :class:`MicrophoneSource` hands chunks to the event loop
through a bounded, lock-protected buffer (dropping the oldest when the consumer is slow) and wakes the loop
with ``call_soon_threadsafe``; :class:`SpeakerSink` does blocking writes on one writer thread, so the event
loop never waits on the sound card.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import wave
from abc import ABC, abstractmethod
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.events import AudioFormat
from plugins_core.exceptions import AudioFormatError

__all__ = [
    "PORTAUDIO_HINT",
    "SINK_KINDS",
    "SOURCE_KINDS",
    "AudioDeviceUnavailable",
    "AudioSink",
    "AudioSource",
    "MemorySink",
    "MicrophoneSource",
    "NullSink",
    "PcmSource",
    "SpeakerSink",
    "SyntheticSource",
    "WavFileSink",
    "WavFileSource",
    "load_sounddevice",
    "open_sink",
    "open_source",
    "portaudio_status",
]

logger = logging.getLogger(__name__)

PORTAUDIO_HINT: Final = "PortAudio not found (install Debian libportaudio2)"
"""The start of every reason given when the PortAudio library itself cannot be loaded."""

SOURCE_KINDS: Final = ("file", "synthetic", "microphone")
SINK_KINDS: Final = ("memory", "wav", "null", "speaker")
_SOURCE_ALIASES: Final = {"wav": "file", "silence": "synthetic", "tone": "synthetic", "mic": "microphone"}
_SINK_ALIASES: Final = {"file": "wav", "speakers": "speaker"}

AudioInput = PcmData | bytes | bytearray | memoryview
Device = int | str | None


class AudioDeviceUnavailable(RuntimeError):
    """PortAudio or the requested device cannot be used; ``reason`` says why in words a user can act on."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# ------------------------------------------------------------------------------------------- PortAudio

_import_failure: str | None = None


def load_sounddevice() -> Any:
    """The ``sounddevice`` module, imported on first use so that a machine without PortAudio can import us.

    ``import sounddevice`` raises OSError("PortAudio library not found") when libportaudio2 is missing; the
    failure is remembered, since every retry would run ``ldconfig`` again.
    """
    global _import_failure
    if _import_failure is not None:
        raise AudioDeviceUnavailable(_import_failure)
    try:
        import sounddevice
    except OSError as exc:  # "PortAudio library not found", or a libportaudio that fails to load
        _import_failure = PORTAUDIO_HINT if "not found" in str(exc) else f"{PORTAUDIO_HINT}: {exc}"
        raise AudioDeviceUnavailable(_import_failure) from None
    except ImportError as exc:
        _import_failure = f"the sounddevice package cannot be imported ({exc}); pip install sounddevice"
        raise AudioDeviceUnavailable(_import_failure) from None
    return sounddevice


def portaudio_status() -> tuple[bool, str]:
    """(library usable?, reason or version and default devices), for the CLI to print.

    True means PortAudio loaded; the text then says which devices it sees, including "no input device"
    on a headless machine, where :func:`open_source` and :func:`open_sink` will fall back.
    """
    try:
        sd = load_sounddevice()
    except AudioDeviceUnavailable as exc:
        return False, exc.reason
    try:
        version = str(sd.get_portaudio_version()[1])
        count = len(sd.query_devices())
        default_in, default_out = sd.default.device
        return True, (
            f"{version}; {count} device{'s' if count != 1 else ''}; "
            f"default input: {_device_label(sd, default_in, 'input')}; "
            f"default output: {_device_label(sd, default_out, 'output')}"
        )
    except Exception as exc:  # a broken ALSA setup can fail in PortAudio itself: report, never crash the CLI
        return False, f"PortAudio loaded but unusable: {exc}"


def _device_label(sd: Any, index: int, kind: str) -> str:
    if index is None or index < 0:
        return f"none (no {kind} device)"
    info = sd.query_devices(index)
    return f"{info['name']} (#{index})"


def _open_stream(kind: str, device: Device, factory: Any, **settings: Any) -> Any:
    """Open a PortAudio stream, turning its errors into AudioDeviceUnavailable with a readable reason."""
    sd = load_sounddevice()
    try:
        return factory(device=device, **settings)
    except ValueError as exc:  # sounddevice: "No input device matching 'x'", or an invalid setting
        raise AudioDeviceUnavailable(f"{kind} device {device!r}: {exc}") from None
    except sd.PortAudioError as exc:
        if device is None and sd.default.device[0 if kind == "input" else 1] < 0:
            raise AudioDeviceUnavailable(f"no default {kind} device (PortAudio sees no sound card)") from None
        raise AudioDeviceUnavailable(f"{kind} device {device!r} cannot be opened: {exc}") from None


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _wake_threadsafe(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Resolve a future from a non-loop thread; a closed loop means nobody is waiting any more."""
    try:
        loop.call_soon_threadsafe(_wake, future)
    except RuntimeError:
        pass


def _check_rate(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError(name, value, "must be a positive integer (Hz)")
    return value


def _check_positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AudioFormatError(name, value, "must be a positive integer")
    return value


def _conform(pcm: PcmData, sample_rate: int, channels: int) -> PcmData:
    """int16 at ``sample_rate`` with ``channels`` channels: mono is duplicated, more are mixed to mono."""
    pcm = pcm.to_int16()
    if pcm.channels != channels:
        if channels == 1:
            pcm = pcm.to_mono()
        elif pcm.channels == 1:
            pcm = PcmData(np.repeat(pcm.samples[:, None], channels, axis=1), pcm.sample_rate, pcm.format)
        else:
            raise AudioFormatError("audio", repr(pcm), f"{pcm.channels} channels cannot become {channels}")
    return pcm.resample(sample_rate)


# --------------------------------------------------------------------------------------------- sources


class AudioSource(ABC):
    """Fixed-size int16 chunks as an async iterator: ``async with source: async for chunk in source: ...``."""

    def __init__(self, sample_rate: int, channels: int, chunk_ms: int) -> None:
        self.sample_rate = _check_rate("sample_rate", sample_rate)
        self.channels = _check_positive("channels", channels)
        self.chunk_ms = _check_positive("chunk_ms", chunk_ms)
        self.chunk_frames = max(1, round(sample_rate * chunk_ms / 1000))
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @abstractmethod
    async def read(self) -> PcmData | None:
        """The next chunk of exactly ``chunk_frames`` frames, or None once exhausted or closed."""

    async def close(self) -> None:
        """Release the source; later reads return None."""
        self._closed = True

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PcmData:
        chunk = await self.read()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sample_rate={self.sample_rate}, channels={self.channels}, "
            f"chunk_ms={self.chunk_ms}, closed={self._closed})"
        )


class _GeneratedSource(AudioSource):
    """A source that computes chunk ``i`` on demand.

    In real time it hands each chunk out when a microphone would (once its last sample would have been
    recorded), on an absolute schedule so that pacing never drifts.
    """

    def __init__(self, sample_rate: int, channels: int, chunk_ms: int, realtime: bool) -> None:
        super().__init__(sample_rate, channels, chunk_ms)
        self.realtime = realtime
        self._index = 0
        self._started_at: float | None = None

    @abstractmethod
    def _chunk(self, index: int) -> PcmData | None:
        """Chunk ``index`` or None past the end."""

    async def read(self) -> PcmData | None:
        if self._closed:
            return None
        chunk = self._chunk(self._index)
        if chunk is None:
            return None
        self._index += 1
        if self.realtime:
            loop = asyncio.get_running_loop()
            if self._started_at is None:
                self._started_at = loop.time()
            due = self._started_at + self._index * self.chunk_frames / self.sample_rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        return None if self._closed else chunk


class PcmSource(_GeneratedSource):
    """Audio already in memory (a TTS result, a test signal) streamed as if it came from a microphone.

    The audio is converted once, up front: whole-signal resampling has none of the edge clicks that
    chunk-by-chunk resampling would add. The last chunk is padded with zeros, because VADs take exact frames.
    """

    def __init__(
        self,
        pcm: PcmData,
        chunk_ms: int = 20,
        realtime: bool = True,
        *,
        sample_rate: int = 16000,
        channels: int = 1,
        trailing_silence_ms: int = 0,
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms, realtime)
        if (
            isinstance(trailing_silence_ms, bool)
            or not isinstance(trailing_silence_ms, int)
            or trailing_silence_ms < 0
        ):
            raise AudioFormatError(
                "trailing_silence_ms", trailing_silence_ms, "must be a non-negative integer"
            )
        samples = _conform(pcm, sample_rate, channels).samples
        pad = (-len(samples)) % self.chunk_frames
        silence_frames = (
            math.ceil(sample_rate * trailing_silence_ms / 1000 / self.chunk_frames) * self.chunk_frames
        )
        if pad or silence_frames:
            samples = np.concatenate(
                [samples, np.zeros((pad + silence_frames, *samples.shape[1:]), np.int16)]
            )
        self.source_frames = pcm.frame_count
        self._samples = samples
        self.total_chunks = len(samples) // self.chunk_frames

    @property
    def duration(self) -> float:
        """Seconds of audio the source yields, padding and trailing silence included."""
        return len(self._samples) / self.sample_rate

    def _chunk(self, index: int) -> PcmData | None:
        if index >= self.total_chunks:
            return None
        start = index * self.chunk_frames
        return PcmData(
            self._samples[start : start + self.chunk_frames], self.sample_rate, AudioFormat.PCM_S16
        )


class WavFileSource(PcmSource):
    """A 16-bit WAV file played as a microphone would deliver it (or as fast as possible with realtime=False).

    The whole file is read at construction, so a missing or unreadable file fails here, not mid-stream; voice
    prompts are short enough for that.
    """

    def __init__(
        self,
        path: str | Path,
        chunk_ms: int = 20,
        realtime: bool = True,
        *,
        sample_rate: int = 16000,
        channels: int = 1,
        trailing_silence_ms: int = 0,
    ) -> None:
        self.path = Path(path)
        pcm = PcmData.from_wav(self.path)
        self.file_sample_rate = pcm.sample_rate
        super().__init__(
            pcm,
            chunk_ms,
            realtime,
            sample_rate=sample_rate,
            channels=channels,
            trailing_silence_ms=trailing_silence_ms,
        )


class SyntheticSource(_GeneratedSource):
    """Silence or a sine tone, endless or of a set duration: the input that exists when nothing else does."""

    def __init__(
        self,
        kind: str = "silence",
        *,
        frequency: float = 440.0,
        amplitude: float = 0.3,
        duration_s: float | None = None,
        sample_rate: int = 16000,
        channels: int = 1,
        chunk_ms: int = 20,
        realtime: bool = True,
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms, realtime)
        if kind not in ("silence", "tone"):
            raise AudioFormatError("kind", kind, "must be 'silence' or 'tone'")
        if not 0.0 <= amplitude <= 1.0:
            raise AudioFormatError("amplitude", amplitude, "must be within [0, 1] (full scale)")
        if kind == "tone" and not 0.0 < frequency < sample_rate / 2:
            raise AudioFormatError("frequency", frequency, f"must be within (0, {sample_rate / 2}) Hz")
        if duration_s is not None and not duration_s >= 0:
            raise AudioFormatError("duration_s", duration_s, "must be >= 0 seconds, or None for endless")
        self.kind = kind
        self.frequency = frequency
        self.amplitude = amplitude
        self.duration_s = duration_s
        self.total_chunks = (
            None if duration_s is None else math.ceil(duration_s * sample_rate / self.chunk_frames)
        )

    def _chunk(self, index: int) -> PcmData | None:
        if self.total_chunks is not None and index >= self.total_chunks:
            return None
        shape = (self.chunk_frames,) if self.channels == 1 else (self.chunk_frames, self.channels)
        if self.kind == "silence":
            return PcmData(np.zeros(shape, np.int16), self.sample_rate, AudioFormat.PCM_S16)
        # the phase comes from the absolute sample index, so that chunks join without clicks
        n = np.arange(index * self.chunk_frames, (index + 1) * self.chunk_frames, dtype=np.float64)
        wave_ = np.round(
            self.amplitude * 32767.0 * np.sin(2.0 * np.pi * self.frequency * n / self.sample_rate)
        )
        samples = wave_.astype(np.int16)
        if self.channels > 1:
            samples = np.repeat(samples[:, None], self.channels, axis=1)
        return PcmData(samples, self.sample_rate, AudioFormat.PCM_S16)


class MicrophoneSource(AudioSource):
    """A PortAudio input stream; capture starts at ``async with`` or on the first read.

    PortAudio's callback thread pushes each chunk into a buffer of at most ``max_queue_chunks`` chunks; when
    the consumer falls behind, the oldest chunks are dropped (``dropped_chunks``), since a voice pipeline
    wants the newest audio and bounded memory. Overflows reported by PortAudio itself count in ``overflows``.
    The buffer is bounded on the audio thread, so a stalled event loop cannot make memory grow either.
    """

    def __init__(
        self,
        device: Device = None,
        sample_rate: int = 16000,
        chunk_ms: int = 20,
        max_queue_chunks: int = 50,
        *,
        channels: int = 1,
        latency: str | float = "low",
    ) -> None:
        super().__init__(sample_rate, channels, chunk_ms)
        self.max_queue_chunks = _check_positive("max_queue_chunks", max_queue_chunks)
        self.device = device
        self.dropped_chunks = 0
        self.overflows = 0
        self.chunks_captured = 0
        self._lock = threading.Lock()
        self._buffer: deque[bytes] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._started = False
        sd = load_sounddevice()
        self._stream = _open_stream(
            "input",
            device,
            sd.RawInputStream,
            samplerate=sample_rate,
            blocksize=self.chunk_frames,
            channels=channels,
            dtype="int16",
            latency=latency,
            callback=self._callback,
        )
        self.latency = float(self._stream.latency)

    async def start(self) -> None:
        """Start capturing (idempotent); chunks captured before the first read wait in the buffer."""
        if self._started or self._closed:
            return
        self._loop = asyncio.get_running_loop()
        self._started = True
        self._stream.start()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    @property
    def queued_chunks(self) -> int:
        with self._lock:
            return len(self._buffer)

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's thread: copy, bound, and wake the loop only when a reader waits (not per chunk)."""
        data = bytes(indata)
        with self._lock:
            if self._closed:  # PortAudio may call back until its stream has stopped
                return
            self.chunks_captured += 1
            if status.input_overflow:
                self.overflows += 1
            if len(self._buffer) >= self.max_queue_chunks:
                self._buffer.popleft()
                self.dropped_chunks += 1
            self._buffer.append(data)
            waiter, self._waiter = self._waiter, None
        if waiter is not None and self._loop is not None:
            _wake_threadsafe(self._loop, waiter)

    async def read(self) -> PcmData | None:
        if not self._started:
            await self.start()
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._closed:
                    return None
                if self._buffer:
                    data = self._buffer.popleft()
                    return PcmData.from_bytes(data, self.sample_rate, AudioFormat.PCM_S16, self.channels)
                waiter = self._waiter = loop.create_future()
            await waiter

    async def close(self) -> None:
        """Stop the stream off the event loop (PortAudio joins its thread) and end the iteration."""
        if self._closed:
            return
        with self._lock:
            self._closed = True
            self._buffer.clear()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            _wake(waiter)
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        if self._started:
            self._stream.stop()
        self._stream.close()


# ----------------------------------------------------------------------------------------------- sinks


class AudioSink(ABC):
    """Where audio goes.

    ``write`` takes PcmData (any format: converted to int16 at the sink's rate and channel count) or raw
    int16 bytes with their rate. A sink made without a rate or channel count takes the first chunk's.
    """

    def __init__(self, sample_rate: int | None = None, channels: int | None = None) -> None:
        self.sample_rate = None if sample_rate is None else _check_rate("sample_rate", sample_rate)
        self.channels = None if channels is None else _check_positive("channels", channels)
        self.bytes_written = 0
        self.chunks_written = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def _to_pcm(self, audio: AudioInput, sample_rate: int | None) -> PcmData:
        if isinstance(audio, PcmData):
            if sample_rate is not None and sample_rate != audio.sample_rate:
                raise AudioFormatError("sample_rate", sample_rate, f"PcmData says {audio.sample_rate} Hz")
            pcm = audio
        elif isinstance(audio, bytes | bytearray | memoryview):
            rate = sample_rate if sample_rate is not None else self.sample_rate
            if rate is None:
                raise AudioFormatError("sample_rate", None, "raw bytes need their sample rate")
            pcm = PcmData.from_bytes(
                audio, _check_rate("sample_rate", rate), AudioFormat.PCM_S16, self.channels or 1
            )
        else:
            raise AudioFormatError("audio", type(audio).__name__, "must be PcmData or int16 bytes")
        if self.sample_rate is None:
            self.sample_rate = pcm.sample_rate
        if self.channels is None:
            self.channels = pcm.channels
        return _conform(pcm, self.sample_rate, self.channels)

    async def write(self, audio: AudioInput, sample_rate: int | None = None) -> None:
        """Accept one chunk; chunks at another rate are resampled one by one, so send the sink's rate."""
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        pcm = self._to_pcm(audio, sample_rate)
        await self._write(pcm)
        self.bytes_written += pcm.frame_count * pcm.channels * 2
        self.chunks_written += 1

    @abstractmethod
    async def _write(self, pcm: PcmData) -> None:
        """Store or play one conformed int16 chunk."""

    async def drain(self) -> None:  # noqa: B027 - a no-op for sinks that store synchronously
        """Wait until what was written has reached its destination (played, for a speaker)."""

    async def close(self) -> None:
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sample_rate={self.sample_rate}, channels={self.channels}, "
            f"bytes_written={self.bytes_written}, closed={self._closed})"
        )


class NullSink(AudioSink):
    """Discards audio and counts it: the output that always exists. It converts nothing, so costs nothing."""

    def __init__(self, sample_rate: int | None = None, channels: int | None = None) -> None:
        super().__init__(sample_rate, channels)
        self.duration_s = 0.0

    def _to_pcm(self, audio: AudioInput, sample_rate: int | None) -> PcmData:
        if isinstance(audio, PcmData):
            return audio.to_int16()
        return super()._to_pcm(audio, sample_rate)

    async def _write(self, pcm: PcmData) -> None:
        self.duration_s += pcm.duration


class MemorySink(AudioSink):
    """Keeps the newest chunks in memory, at most ``max_bytes`` of int16 PCM; older audio is dropped and
    counted in ``dropped_bytes``, so that a long session recorded for the inspector cannot exhaust memory."""

    def __init__(
        self, max_bytes: int = 16 * 1024 * 1024, sample_rate: int | None = None, channels: int | None = None
    ) -> None:
        super().__init__(sample_rate, channels)
        self.max_bytes = _check_positive("max_bytes", max_bytes)
        self.dropped_bytes = 0
        self._chunks: deque[PcmData] = deque()
        self._size = 0

    @property
    def size_bytes(self) -> int:
        return self._size

    @property
    def chunks(self) -> list[PcmData]:
        return list(self._chunks)

    async def _write(self, pcm: PcmData) -> None:
        frame_bytes = 2 * pcm.channels
        if pcm.frame_count * frame_bytes > self.max_bytes:  # keep the newest whole frames that fit
            keep = self.max_bytes // frame_bytes
            self.dropped_bytes += (pcm.frame_count - keep) * frame_bytes
            pcm = PcmData(pcm.samples[pcm.frame_count - keep :], pcm.sample_rate, pcm.format)
        self._chunks.append(pcm)
        self._size += pcm.frame_count * frame_bytes
        while self._size > self.max_bytes:
            old = self._chunks.popleft()
            old_bytes = old.frame_count * 2 * old.channels
            self._size -= old_bytes
            self.dropped_bytes += old_bytes

    def pcm(self) -> PcmData:
        """Everything kept, as one PcmData (empty at the sink's rate, or 16 kHz, if nothing was written)."""
        rate = self.sample_rate or 16000
        if not self._chunks:
            shape = (0,) if (self.channels or 1) == 1 else (0, self.channels or 1)
            return PcmData(np.zeros(shape, np.int16), rate, AudioFormat.PCM_S16)
        return PcmData(np.concatenate([c.samples for c in self._chunks]), rate, AudioFormat.PCM_S16)

    def to_bytes(self) -> bytes:
        return b"".join(c.to_bytes() for c in self._chunks)

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0


class WavFileSink(AudioSink):
    """Streams 16-bit PCM into a WAV file; the header's sizes are fixed on close.

    A file never closed keeps a zero-length header, which most players still read; a sink closed with nothing
    written leaves an empty, valid WAV. Writes go to the OS page cache directly: a few KiB per chunk, too
    small to be worth a thread.
    """

    def __init__(self, path: str | Path, sample_rate: int | None = None, channels: int | None = None) -> None:
        super().__init__(sample_rate, channels)
        self.path = Path(path)
        self._wav: wave.Wave_write | None = None
        if self.sample_rate is not None:
            self._open(self.sample_rate, self.channels or 1)

    def _open(self, sample_rate: int, channels: int) -> wave.Wave_write:
        wav = wave.open(str(self.path), "wb")
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        self._wav = wav
        return wav

    async def _write(self, pcm: PcmData) -> None:
        wav = self._wav or self._open(pcm.sample_rate, pcm.channels)
        wav.writeframesraw(pcm.to_bytes())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        wav = self._wav or self._open(self.sample_rate or 16000, self.channels or 1)
        wav.close()  # patches the RIFF and data sizes


class SpeakerSink(AudioSink):
    """A PortAudio output stream fed by blocking writes on one writer thread, so the event loop never blocks.

    ``write`` queues the chunk (waiting only when more than ``max_buffer_ms`` is queued: backpressure for
    producers faster than real time); ``drain`` waits until PortAudio reports everything played; ``clear``
    drops queued audio at once (barge-in); ``close`` lets queued audio finish, then closes the stream. The
    stream is stopped (played out) after ``idle_stop_ms`` without data, so pauses between utterances are not
    reported as underflows. Every PortAudio call on the stream happens on the writer thread.
    """

    _BLOCK_MS: Final = 20  # write granularity: how soon clear() takes effect mid-chunk

    def __init__(
        self,
        device: Device = None,
        sample_rate: int = 22050,
        channels: int = 1,
        latency: str | float = "low",
        *,
        max_buffer_ms: int | None = 5000,
        idle_stop_ms: int = 200,
    ) -> None:
        super().__init__(_check_rate("sample_rate", sample_rate), _check_positive("channels", channels))
        self.device = device
        self.max_buffer_ms = max_buffer_ms
        self.idle_stop_s = idle_stop_ms / 1000
        self.underflows = 0
        self.bytes_played = 0
        self.error: BaseException | None = None
        sd = load_sounddevice()
        self._stream = _open_stream(
            "output",
            device,
            sd.RawOutputStream,
            samplerate=sample_rate,
            channels=channels,
            dtype="int16",
            latency=latency,
        )
        self.latency = float(self._stream.latency)
        self._frame_bytes = 2 * channels
        self._block_bytes = max(1, sample_rate * self._BLOCK_MS // 1000) * self._frame_bytes
        self._limit_bytes = (
            None if max_buffer_ms is None else sample_rate * max_buffer_ms // 1000 * self._frame_bytes
        )
        self._lock = threading.Lock()
        self._generation = 0
        self._pending_bytes = 0
        self._space_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"SpeakerSink({device!r})", daemon=True)
        self._thread.start()

    @property
    def pending_bytes(self) -> int:
        """Bytes queued but not yet handed to PortAudio."""
        with self._lock:
            return self._pending_bytes

    async def _write(self, pcm: PcmData) -> None:
        self._raise_error()
        data = pcm.to_bytes()
        loop = asyncio.get_running_loop()
        with self._lock:
            self._pending_bytes += len(data)
            self._queue.put(("data", self._generation, data))
            space: asyncio.Future[None] | None = None
            if self._limit_bytes is not None and self._pending_bytes > self._limit_bytes:
                space = loop.create_future()
                self._space_waiters.append((loop, space))
        if space is not None:
            await space

    async def drain(self) -> None:
        """Return once all written audio was played (PortAudio's stop waits for the device's buffer)."""
        if self._closed:
            return
        await self._command("drain")
        self._raise_error()

    def clear(self) -> None:
        """Drop queued audio and cut what is playing (barge-in); later writes play normally."""
        with self._lock:
            self._generation += 1
        self._queue.put(("clear",))

    async def close(self) -> None:
        """Play out what is queued (clear() first to cut it), close the stream, end the writer thread."""
        if self._closed:
            return
        self._closed = True
        await self._command("close")
        await asyncio.to_thread(self._thread.join)

    async def _command(self, kind: str) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((kind, loop, done))
        await done

    def _raise_error(self) -> None:
        if self.error is not None:
            raise AudioDeviceUnavailable(f"output device {self.device!r} failed: {self.error}")

    # ---------------------------------------------------------------------------- writer thread

    def _run(self) -> None:
        active = False
        while True:
            try:
                item = self._queue.get(timeout=self.idle_stop_s if active else None)
            except queue.Empty:  # idle: let the device play out and stop, rather than underflow
                active = self._stop(active, abort=False)
                continue
            kind = item[0]
            if kind == "data":
                active = self._play(item[1], item[2], active)
            elif kind == "clear":
                active = self._stop(active, abort=True)
            else:
                active = self._stop(active, abort=False)
                if kind == "close":
                    self._guard(self._stream.close)
                _wake_threadsafe(item[1], item[2])
                if kind == "close":
                    return

    def _play(self, generation: int, data: bytes, active: bool) -> bool:
        try:
            for offset in range(0, len(data), self._block_bytes):
                if generation != self._generation or self.error is not None:
                    break  # cleared: skip the rest (the clear item then aborts the stream)
                if not active:
                    self._stream.start()
                    active = True
                block = data[offset : offset + self._block_bytes]
                if self._stream.write(block):
                    self.underflows += 1
                self.bytes_played += len(block)
        except Exception as exc:  # device gone: remember, and let the async side raise it
            self.error = exc
            logger.error("SpeakerSink(%r): write failed: %s", self.device, exc)
        finally:
            self._release(len(data))
        return active

    def _release(self, nbytes: int) -> None:
        with self._lock:
            self._pending_bytes -= nbytes
            waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
            if self._limit_bytes is None or self._pending_bytes <= self._limit_bytes:
                waiters, self._space_waiters = self._space_waiters, []
        for loop, future in waiters:
            _wake_threadsafe(loop, future)

    def _stop(self, active: bool, *, abort: bool) -> bool:
        if active:
            self._guard(self._stream.abort if abort else self._stream.stop)
        return False

    def _guard(self, call: Any) -> None:
        try:
            call()
        except Exception as exc:
            self.error = self.error or exc
            logger.error("SpeakerSink(%r): %s failed: %s", self.device, getattr(call, "__name__", call), exc)


# ------------------------------------------------------------------------------------------- factories


def open_source(
    kind: str,
    *,
    path: str | Path | None = None,
    device: Device = None,
    sample_rate: int = 16000,
    chunk_ms: int = 20,
    realtime: bool = True,
    max_queue_chunks: int = 50,
) -> tuple[AudioSource, str | None]:
    """(source, fallback reason or None). Kinds: file (``path``), synthetic (silence), microphone.

    A microphone that cannot be opened falls back to the file at ``path`` if given, else to real-time
    silence; the reason is logged as a warning and returned for the UI, never raised.
    """
    canonical = _SOURCE_ALIASES.get(kind, kind)
    if canonical == "file":
        if path is None:
            raise ValueError("open_source('file') needs path=")
        return WavFileSource(path, chunk_ms, realtime, sample_rate=sample_rate), None
    if canonical == "synthetic":
        synth = "tone" if kind == "tone" else "silence"
        return SyntheticSource(synth, sample_rate=sample_rate, chunk_ms=chunk_ms, realtime=realtime), None
    if canonical != "microphone":
        raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
    try:
        return MicrophoneSource(device, sample_rate, chunk_ms, max_queue_chunks), None
    except AudioDeviceUnavailable as exc:
        fallback: AudioSource
        if path is not None:
            fallback = WavFileSource(path, chunk_ms, True, sample_rate=sample_rate)
            reason = f"{exc.reason}: using file input ({path})"
        else:
            fallback = SyntheticSource("silence", sample_rate=sample_rate, chunk_ms=chunk_ms, realtime=True)
            reason = f"{exc.reason}: using silent input"
        logger.warning("%s", reason)
        return fallback, reason


def open_sink(
    kind: str,
    *,
    path: str | Path | None = None,
    device: Device = None,
    sample_rate: int | None = None,
    channels: int = 1,
    latency: str | float = "low",
    max_bytes: int = 16 * 1024 * 1024,
) -> tuple[AudioSink, str | None]:
    """(sink, fallback reason or None). Kinds: memory, wav (``path``), null, speaker.

    A speaker that cannot be opened falls back to a null output (which counts what it is sent); the
    reason is logged as a warning and returned, never raised.
    """
    canonical = _SINK_ALIASES.get(kind, kind)
    if canonical == "memory":
        return MemorySink(max_bytes, sample_rate, channels), None
    if canonical == "wav":
        if path is None:
            raise ValueError("open_sink('wav') needs path=")
        return WavFileSink(path, sample_rate, channels), None
    if canonical == "null":
        return NullSink(sample_rate, channels), None
    if canonical != "speaker":
        raise ValueError(f"unknown sink kind {kind!r}; expected one of {', '.join(SINK_KINDS)}")
    rate = 22050 if sample_rate is None else sample_rate
    try:
        return SpeakerSink(device, rate, channels, latency), None
    except AudioDeviceUnavailable as exc:
        reason = f"{exc.reason}: using a null output"
        logger.warning("%s", reason)
        return NullSink(rate, channels), reason
