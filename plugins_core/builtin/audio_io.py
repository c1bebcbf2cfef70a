"""Audio ends by name: :func:`open_source` and :func:`open_sink` pick a source or sink from a kind
("file", "microphone", "null", "speaker", ...) and fall back, with a reason to show, when PortAudio
or the device is missing.

The sources, sinks and PortAudio loading live in their own modules (``sources``, ``microphone``,
``sinks``, ``speaker``, ``portaudio``); their names are importable from here as well.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from plugins_core.builtin.microphone import MicrophoneSource
from plugins_core.builtin.portaudio import (
    PORTAUDIO_HINT,
    AudioDeviceUnavailable,
    Device,
    load_sounddevice,
    portaudio_status,
)
from plugins_core.builtin.sinks import AudioSink, MemorySink, NullSink, WavFileSink
from plugins_core.builtin.sources import AudioSource, PcmSource, SyntheticSource, WavFileSource
from plugins_core.builtin.speaker import SpeakerSink

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

SOURCE_KINDS: Final = ("file", "synthetic", "microphone")
SINK_KINDS: Final = ("memory", "wav", "null", "speaker")
_SOURCE_ALIASES: Final = {"wav": "file", "silence": "synthetic", "tone": "synthetic", "mic": "microphone"}
_SINK_ALIASES: Final = {"file": "wav", "speakers": "speaker"}


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
