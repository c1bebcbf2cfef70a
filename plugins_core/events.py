"""Typed events emitted by STT, TTS, STS and VAD plugins.

Each event is a slotted dataclass: small in memory (a registry may hold a million of them) and
checked on creation, so that bad values are refused where they are made, with an error that names
the field, instead of surfacing later in a listener or a browser. Audio is always held as
``bytes``: a numpy array given to an audio field is converted, its dtype and shape deciding the
format and channel count.
"""

from __future__ import annotations

import math
import numbers
import os
import socket
import uuid
from dataclasses import KW_ONLY, dataclass, field, fields
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

import numpy as np

from plugins_core.exceptions import EventValidationError, UnknownEventTypeError

__all__ = [
    "AUDIO_EVENT_TYPES",
    "ERROR_EVENT_TYPES",
    "EVENT_CLASS_MAP",
    "AudioFormat",
    "BaseEvent",
    "ConnectionState",
    "EventKind",
    "EventType",
    "Origin",
    "PluginClosedEvent",
    "PluginErrorEvent",
    "PluginInitializedEvent",
    "STSAudioInputEvent",
    "STSAudioOutputEvent",
    "STSConnectedEvent",
    "STSConversationItemEvent",
    "STSDisconnectedEvent",
    "STSErrorEvent",
    "STSResponseEvent",
    "STSTranscriptEvent",
    "STTConnectionEvent",
    "STTErrorEvent",
    "STTPartialTranscriptEvent",
    "STTTranscriptEvent",
    "TTSAudioEvent",
    "TTSConnectionEvent",
    "TTSErrorEvent",
    "TTSSynthesisCompleteEvent",
    "TTSSynthesisStartEvent",
    "VADAudioEvent",
    "VADErrorEvent",
    "VADPartialEvent",
    "VADSpeechEndEvent",
    "VADSpeechStartEvent",
    "create_event",
    "parse_event_type",
]


class EventKind(StrEnum):
    """What an event is about, for people: the page groups, colours and filters by it."""

    SPEECH = "speech"  # VAD: speech started, ended, segments, speech so far
    TRANSCRIPT = "transcript"  # a final transcript (STT or STS)
    PARTIAL = "partial"  # an interim transcript
    SYNTHESIS = "synthesis"  # TTS: synthesis start, audio chunks, synthesis complete
    STS = "sts"  # speech-to-speech conversation flow: connection, audio in/out, responses, items
    LIFECYCLE = "lifecycle"  # plugin initialized/closed, STT/TTS connection changes
    ERROR = "error"  # every *_error type


class EventType(StrEnum):
    """What happened; the string values are stable and appear in JSON and URLs.

    A ``StrEnum``, as upstream's providers compared event types with strings:
    ``EventType.STT_TRANSCRIPT == "stt_transcript"``.
    """

    STT_TRANSCRIPT = "stt_transcript"
    STT_PARTIAL_TRANSCRIPT = "stt_partial_transcript"
    STT_ERROR = "stt_error"
    STT_CONNECTION = "stt_connection"
    TTS_AUDIO = "tts_audio"
    TTS_SYNTHESIS_START = "tts_synthesis_start"
    TTS_SYNTHESIS_COMPLETE = "tts_synthesis_complete"
    TTS_ERROR = "tts_error"
    TTS_CONNECTION = "tts_connection"
    STS_CONNECTED = "sts_connected"
    STS_DISCONNECTED = "sts_disconnected"
    STS_AUDIO_INPUT = "sts_audio_input"
    STS_AUDIO_OUTPUT = "sts_audio_output"
    STS_TRANSCRIPT = "sts_transcript"
    STS_RESPONSE = "sts_response"
    STS_ERROR = "sts_error"
    STS_CONVERSATION_ITEM = "sts_conversation_item"
    VAD_SPEECH_START = "vad_speech_start"
    VAD_SPEECH_END = "vad_speech_end"
    VAD_AUDIO = "vad_audio"
    VAD_PARTIAL = "vad_partial"
    VAD_ERROR = "vad_error"
    PLUGIN_INITIALIZED = "plugin_initialized"
    PLUGIN_CLOSED = "plugin_closed"
    PLUGIN_ERROR = "plugin_error"

    @property
    def kind(self) -> EventKind:
        """What the event is about (speech, transcript, synthesis, ...): decided here, once."""
        return _KIND[self]

    @property
    def family(self) -> str:
        """The plugin family that emits it: ``"stt"``, ``"tts"``, ``"sts"``, ``"vad"`` or ``"plugin"``."""
        return _FAMILY[self]

    @property
    def is_error(self) -> bool:
        return self in ERROR_EVENT_TYPES

    @property
    def has_audio(self) -> bool:
        """Whether events of this type carry ``audio_data`` (PCM that can be played)."""
        return self in AUDIO_EVENT_TYPES


class ConnectionState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ERROR = "error"


class AudioFormat(StrEnum):
    """A ``StrEnum``: upstream's providers emitted ``"s16"``, and ``AudioFormat.PCM_S16 == "s16"``."""

    PCM_S16 = "s16"
    PCM_F32 = "f32"
    WAV = "wav"
    MP3 = "mp3"
    OGG = "ogg"


_KIND: dict[EventType, EventKind] = {
    EventType.STT_TRANSCRIPT: EventKind.TRANSCRIPT,
    EventType.STT_PARTIAL_TRANSCRIPT: EventKind.PARTIAL,
    EventType.STT_ERROR: EventKind.ERROR,
    EventType.STT_CONNECTION: EventKind.LIFECYCLE,
    EventType.TTS_AUDIO: EventKind.SYNTHESIS,
    EventType.TTS_SYNTHESIS_START: EventKind.SYNTHESIS,
    EventType.TTS_SYNTHESIS_COMPLETE: EventKind.SYNTHESIS,
    EventType.TTS_ERROR: EventKind.ERROR,
    EventType.TTS_CONNECTION: EventKind.LIFECYCLE,
    EventType.STS_CONNECTED: EventKind.STS,
    EventType.STS_DISCONNECTED: EventKind.STS,
    EventType.STS_AUDIO_INPUT: EventKind.STS,
    EventType.STS_AUDIO_OUTPUT: EventKind.STS,
    EventType.STS_TRANSCRIPT: EventKind.TRANSCRIPT,
    EventType.STS_RESPONSE: EventKind.STS,
    EventType.STS_ERROR: EventKind.ERROR,
    EventType.STS_CONVERSATION_ITEM: EventKind.STS,
    EventType.VAD_SPEECH_START: EventKind.SPEECH,
    EventType.VAD_SPEECH_END: EventKind.SPEECH,
    EventType.VAD_AUDIO: EventKind.SPEECH,
    EventType.VAD_PARTIAL: EventKind.SPEECH,
    EventType.VAD_ERROR: EventKind.ERROR,
    EventType.PLUGIN_INITIALIZED: EventKind.LIFECYCLE,
    EventType.PLUGIN_CLOSED: EventKind.LIFECYCLE,
    EventType.PLUGIN_ERROR: EventKind.ERROR,
}
_FAMILY: dict[EventType, str] = {
    t: prefix if (prefix := t.value.split("_", 1)[0]) in ("stt", "tts", "sts", "vad") else "plugin"
    for t in EventType
}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an event was emitted: host, process id and the worker name the user set.

    Events made in this process carry ``origin=None`` ("here"); an inspector fed by other processes
    (HTTP ingest, Redis Streams) sees each event's origin. ``replay_of`` marks a replayed event with
    the id of the event it replays.
    """

    host: str
    pid: int
    worker: str | None = None
    replay_of: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise EventValidationError("origin.host", self.host, "must be a non-empty string")
        if isinstance(self.pid, bool) or not isinstance(self.pid, int) or self.pid < 0:
            raise EventValidationError("origin.pid", self.pid, "must be an integer >= 0")
        if self.worker is not None and not isinstance(self.worker, str):
            raise EventValidationError("origin.worker", self.worker, "must be a string or None")
        if self.replay_of is not None and not isinstance(self.replay_of, str):
            raise EventValidationError("origin.replay_of", self.replay_of, "must be a string or None")

    @classmethod
    def here(cls, worker: str | None = None) -> Origin:
        """This process: its host name and pid, and the given worker name."""
        return cls(socket.gethostname() or "localhost", os.getpid(), worker)

    @property
    def label(self) -> str:
        """``agent-1@host:1234`` (``host:1234`` without a worker name)."""
        where = f"{self.host}:{self.pid}"
        return f"{self.worker}@{where}" if self.worker else where


#: Error events, as upstream counts them (every type whose value contains "error").
ERROR_EVENT_TYPES: frozenset[EventType] = frozenset(t for t in EventType if "error" in t.value)

_BY_VALUE: dict[str, EventType] = {t.value: t for t in EventType}
_BY_VALUE.update({t.name: t for t in EventType})


def parse_event_type(value: EventType | str, field_name: str = "event_type") -> EventType:
    """An EventType from itself, its value (``"stt_transcript"``) or its name (``"STT_TRANSCRIPT"``)."""
    if isinstance(value, EventType):
        return value
    if isinstance(value, str):
        found = _BY_VALUE.get(value)
        if found is not None:
            return found
    raise UnknownEventTypeError(value, field_name)


def _coerce_enum(enum_cls: type[Enum], value: Any, field_name: str) -> Any:
    if value is None or isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum_cls)
        raise EventValidationError(
            field_name, value, f"not a {enum_cls.__name__} (one of {allowed})"
        ) from None


def _probability(value: Any, field_name: str) -> float | None:
    """Confidences and probabilities: None or a finite number in [0, 1], stored as a float
    (numpy scalars from a model are accepted and converted)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise EventValidationError(field_name, value, "must be a number in [0, 1] or None")
    number = float(value)
    if not 0.0 <= number <= 1.0:  # also refuses NaN
        raise EventValidationError(field_name, value, "must be in [0, 1]")
    return number


def _duration(value: Any, field_name: str) -> float | None:
    """Durations and times: None or a finite number >= 0, stored as a float."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise EventValidationError(field_name, value, "must be a number >= 0 or None")
    number = float(value)
    if not (number >= 0.0 and math.isfinite(number)):
        raise EventValidationError(field_name, value, "must be a finite number >= 0")
    return number


def _required(value: float | None, field_name: str) -> float:
    """For fields that are numbers, never None."""
    if value is None:
        raise EventValidationError(field_name, value, "must be a number, not None")
    return value


@dataclass(slots=True)
class BaseEvent:
    """Fields every event carries: what, when, which session, which plugin."""

    event_type: EventType
    _: KW_ONLY
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    session_id: str | None = None
    user_metadata: dict[str, Any] | None = None
    plugin_name: str | None = None
    plugin_version: str | None = None
    #: Where it was emitted; None for events made in this process (see :class:`Origin`).
    origin: Origin | None = None

    def __post_init__(self) -> None:
        if type(self.event_type) is not EventType:
            self.event_type = parse_event_type(self.event_type)
        ts = self.timestamp
        if type(ts) is not datetime or ts.tzinfo is not UTC:
            self.timestamp = _as_utc(ts)
        if self.origin is not None and type(self.origin) is not Origin:
            raise EventValidationError("origin", self.origin, "must be an Origin or None")

    def to_dict(self) -> dict[str, Any]:
        """Field values with enums as their values and times as ISO-8601 strings (upstream shape).

        For a lossless, JSON-ready form use ``plugins_core.serialize_event``.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Origin):
                value = {"host": value.host, "pid": value.pid, "worker": value.worker}
            out[f.name] = value
        return out


def _as_utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise EventValidationError("timestamp", value, "must be a datetime")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # naive times are read as UTC, never as local time
    return value.astimezone(UTC)


class _ErrorMixin:
    """``error_message`` for every error event, as upstream has it."""

    __slots__ = ()
    error: BaseException | None

    @property
    def error_message(self) -> str:
        return str(self.error) if self.error is not None else "Unknown error"


_DTYPE_FORMATS: dict[np.dtype[Any], AudioFormat] = {
    np.dtype(np.int16): AudioFormat.PCM_S16,
    np.dtype(np.float32): AudioFormat.PCM_F32,
}
_BYTES_PER_SAMPLE = {AudioFormat.PCM_S16: 2, AudioFormat.PCM_F32: 4}


class _AudioMixin:
    """Audio-bearing events: bytes only, with size and duration derived from the format."""

    __slots__ = ()
    audio_data: bytes | None
    audio_format: AudioFormat
    sample_rate: int
    channels: int
    audio_evicted: bool

    @property
    def audio_size_bytes(self) -> int:
        """Bytes of audio held now (0 when there is none or it was evicted)."""
        return len(self.audio_data) if self.audio_data else 0

    @property
    def audio_duration_ms(self) -> float | None:
        """Duration of the held PCM audio, or None when it cannot be known (no audio, compressed)."""
        width = _BYTES_PER_SAMPLE.get(self.audio_format)
        if not self.audio_data or width is None:
            return None
        return len(self.audio_data) / (width * self.channels) / self.sample_rate * 1000.0


def _check_audio(self: Any) -> None:
    """Audio fields hold bytes (arrays converted), a known format, a positive rate and channels."""
    data: Any = self.audio_data
    if data is not None and type(data) is not bytes:
        if isinstance(data, np.ndarray):
            _take_array(self, data)
        elif isinstance(data, (bytearray, memoryview)):
            self.audio_data = bytes(data)
        else:
            raise EventValidationError("audio_data", data, "must be bytes, a numpy array or None")
    if type(self.audio_format) is not AudioFormat:
        self.audio_format = _coerce_enum(AudioFormat, self.audio_format, "audio_format")
    rate = self.sample_rate
    if type(rate) is not int:
        if isinstance(rate, bool) or not isinstance(rate, numbers.Integral):
            raise EventValidationError("sample_rate", rate, "must be a positive integer (Hz)")
        self.sample_rate = rate = int(rate)
    if rate <= 0:
        raise EventValidationError("sample_rate", rate, "must be a positive integer (Hz)")
    channels = self.channels
    if type(channels) is not int:
        if isinstance(channels, bool) or not isinstance(channels, numbers.Integral):
            raise EventValidationError("channels", channels, "must be a positive integer")
        self.channels = channels = int(channels)
    if channels <= 0:
        raise EventValidationError("channels", channels, "must be a positive integer")


def _take_array(self: Any, array: np.ndarray[Any, Any]) -> None:
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    fmt = _DTYPE_FORMATS.get(array.dtype)
    if fmt is None:
        raise EventValidationError(
            "audio_data", f"ndarray(dtype={array.dtype})", "dtype must be int16, float32 or float64"
        )
    if array.ndim == 2:
        self.channels = int(array.shape[1])  # (frames, channels), interleaved as PortAudio has it
    elif array.ndim != 1:
        raise EventValidationError(
            "audio_data", f"ndarray(shape={array.shape})", "must be 1-D, or 2-D as (frames, channels)"
        )
    self.audio_format = fmt
    self.audio_data = np.ascontiguousarray(array).tobytes()


# --------------------------------------------------------------------------------------------- STT


@dataclass(slots=True, kw_only=True)
class _TranscriptEvent(BaseEvent):
    """Fields and checks shared by final and partial transcripts."""

    text: str = ""
    confidence: float | None = None
    language: str | None = None
    processing_time_ms: float | None = None
    audio_duration_ms: float | None = None
    model_name: str | None = None
    words: list[dict[str, Any]] | None = None
    is_final: bool = True

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        if not isinstance(self.text, str):
            raise EventValidationError("text", self.text, "must be a string")
        self.confidence = _probability(self.confidence, "confidence")
        self.processing_time_ms = _duration(self.processing_time_ms, "processing_time_ms")
        self.audio_duration_ms = _duration(self.audio_duration_ms, "audio_duration_ms")


@dataclass(slots=True, kw_only=True)
class STTTranscriptEvent(_TranscriptEvent):
    """A final transcript. Empty text is refused: an empty final result is not a transcript."""

    event_type: EventType = field(default=EventType.STT_TRANSCRIPT, init=False)

    def __post_init__(self) -> None:
        _TranscriptEvent.__post_init__(self)
        if not self.text:
            raise EventValidationError("text", self.text, "transcript text cannot be empty")


@dataclass(slots=True, kw_only=True)
class STTPartialTranscriptEvent(_TranscriptEvent):
    """An interim transcript that a later one may replace."""

    event_type: EventType = field(default=EventType.STT_PARTIAL_TRANSCRIPT, init=False)
    is_final: bool = False


@dataclass(slots=True, kw_only=True)
class STTErrorEvent(_ErrorMixin, BaseEvent):
    event_type: EventType = field(default=EventType.STT_ERROR, init=False)
    error: BaseException | None = None
    error_code: str | None = None
    context: str | None = None
    retry_count: int = 0
    is_recoverable: bool = True


@dataclass(slots=True, kw_only=True)
class STTConnectionEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STT_CONNECTION, init=False)
    connection_state: ConnectionState | None = None
    provider: str | None = None
    details: dict[str, Any] | None = None
    reconnect_attempts: int = 0

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.connection_state = _coerce_enum(ConnectionState, self.connection_state, "connection_state")


# --------------------------------------------------------------------------------------------- TTS


@dataclass(slots=True, kw_only=True)
class TTSAudioEvent(_AudioMixin, BaseEvent):
    """One chunk of synthesized audio; ``is_final_chunk`` marks the last chunk of a synthesis."""

    event_type: EventType = field(default=EventType.TTS_AUDIO, init=False)
    audio_data: bytes | None = None
    audio_format: AudioFormat = AudioFormat.PCM_S16
    sample_rate: int = 16000
    channels: int = 1
    chunk_index: int = 0
    is_final_chunk: bool = True
    text_source: str | None = None
    synthesis_id: str | None = None
    audio_evicted: bool = False

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        _check_audio(self)


@dataclass(slots=True, kw_only=True)
class TTSSynthesisStartEvent(BaseEvent):
    event_type: EventType = field(default=EventType.TTS_SYNTHESIS_START, init=False)
    text: str | None = None
    synthesis_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    model_name: str | None = None
    voice_id: str | None = None
    estimated_duration_ms: float | None = None

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.estimated_duration_ms = _duration(self.estimated_duration_ms, "estimated_duration_ms")


@dataclass(slots=True, kw_only=True)
class TTSSynthesisCompleteEvent(BaseEvent):
    """End of a synthesis, timed over the whole stream (first request to last chunk)."""

    event_type: EventType = field(default=EventType.TTS_SYNTHESIS_COMPLETE, init=False)
    synthesis_id: str | None = None
    text: str | None = None
    total_audio_bytes: int = 0
    synthesis_time_ms: float = 0.0
    audio_duration_ms: float | None = None
    chunk_count: int = 1
    real_time_factor: float | None = None

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.synthesis_time_ms = _required(
            _duration(self.synthesis_time_ms, "synthesis_time_ms"), "synthesis_time_ms"
        )
        self.audio_duration_ms = _duration(self.audio_duration_ms, "audio_duration_ms")
        self.real_time_factor = _duration(self.real_time_factor, "real_time_factor")


@dataclass(slots=True, kw_only=True)
class TTSErrorEvent(_ErrorMixin, BaseEvent):
    event_type: EventType = field(default=EventType.TTS_ERROR, init=False)
    error: BaseException | None = None
    error_code: str | None = None
    context: str | None = None
    text_source: str | None = None
    synthesis_id: str | None = None
    is_recoverable: bool = True


@dataclass(slots=True, kw_only=True)
class TTSConnectionEvent(BaseEvent):
    event_type: EventType = field(default=EventType.TTS_CONNECTION, init=False)
    connection_state: ConnectionState | None = None
    provider: str | None = None
    details: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.connection_state = _coerce_enum(ConnectionState, self.connection_state, "connection_state")


# --------------------------------------------------------------------------------------------- STS


@dataclass(slots=True, kw_only=True)
class STSConnectedEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STS_CONNECTED, init=False)
    provider: str | None = None
    session_config: dict[str, Any] | None = None
    capabilities: list[str] | None = None


@dataclass(slots=True, kw_only=True)
class STSDisconnectedEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STS_DISCONNECTED, init=False)
    provider: str | None = None
    reason: str | None = None
    was_clean: bool = True


@dataclass(slots=True, kw_only=True)
class STSAudioInputEvent(_AudioMixin, BaseEvent):
    event_type: EventType = field(default=EventType.STS_AUDIO_INPUT, init=False)
    audio_data: bytes | None = None
    audio_format: AudioFormat = AudioFormat.PCM_S16
    sample_rate: int = 16000
    channels: int = 1
    audio_evicted: bool = False

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        _check_audio(self)


@dataclass(slots=True, kw_only=True)
class STSAudioOutputEvent(_AudioMixin, BaseEvent):
    event_type: EventType = field(default=EventType.STS_AUDIO_OUTPUT, init=False)
    audio_data: bytes | None = None
    audio_format: AudioFormat = AudioFormat.PCM_S16
    sample_rate: int = 16000
    channels: int = 1
    response_id: str | None = None
    audio_evicted: bool = False

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        _check_audio(self)


@dataclass(slots=True, kw_only=True)
class STSTranscriptEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STS_TRANSCRIPT, init=False)
    text: str | None = None
    is_user: bool = True
    confidence: float | None = None
    conversation_item_id: str | None = None

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.confidence = _probability(self.confidence, "confidence")


@dataclass(slots=True, kw_only=True)
class STSResponseEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STS_RESPONSE, init=False)
    text: str | None = None
    response_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    is_complete: bool = True
    conversation_item_id: str | None = None


@dataclass(slots=True, kw_only=True)
class STSConversationItemEvent(BaseEvent):
    event_type: EventType = field(default=EventType.STS_CONVERSATION_ITEM, init=False)
    item_id: str | None = None
    item_type: str | None = None  # "message", "function_call", "function_call_output"
    status: str | None = None  # "completed", "in_progress", "incomplete"
    role: str | None = None  # "user", "assistant", "system"
    content: list[dict[str, Any]] | None = None


@dataclass(slots=True, kw_only=True)
class STSErrorEvent(_ErrorMixin, BaseEvent):
    event_type: EventType = field(default=EventType.STS_ERROR, init=False)
    error: BaseException | None = None
    error_code: str | None = None
    context: str | None = None
    is_recoverable: bool = True


# --------------------------------------------------------------------------------------------- VAD


@dataclass(slots=True, kw_only=True)
class VADSpeechStartEvent(BaseEvent):
    event_type: EventType = field(default=EventType.VAD_SPEECH_START, init=False)
    speech_probability: float = 0.0
    activation_threshold: float = 0.0
    frame_count: int = 1

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.speech_probability = _required(
            _probability(self.speech_probability, "speech_probability"), "speech_probability"
        )
        self.activation_threshold = _required(
            _probability(self.activation_threshold, "activation_threshold"), "activation_threshold"
        )


@dataclass(slots=True, kw_only=True)
class VADSpeechEndEvent(BaseEvent):
    event_type: EventType = field(default=EventType.VAD_SPEECH_END, init=False)
    speech_probability: float = 0.0
    deactivation_threshold: float = 0.0
    total_speech_duration_ms: float = 0.0
    total_frames: int = 0

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        self.speech_probability = _required(
            _probability(self.speech_probability, "speech_probability"), "speech_probability"
        )
        self.deactivation_threshold = _required(
            _probability(self.deactivation_threshold, "deactivation_threshold"), "deactivation_threshold"
        )
        self.total_speech_duration_ms = _required(
            _duration(self.total_speech_duration_ms, "total_speech_duration_ms"), "total_speech_duration_ms"
        )


@dataclass(slots=True, kw_only=True)
class _SpeechAudioEvent(_AudioMixin, BaseEvent):
    """Fields and checks shared by a complete speech segment and the speech so far."""

    audio_data: bytes | None = None
    sample_rate: int = 16000
    audio_format: AudioFormat = AudioFormat.PCM_S16
    channels: int = 1
    duration_ms: float | None = None
    speech_probability: float | None = None
    frame_count: int = 0
    audio_evicted: bool = False

    def __post_init__(self) -> None:
        BaseEvent.__post_init__(self)
        _check_audio(self)
        self.duration_ms = _duration(self.duration_ms, "duration_ms")
        self.speech_probability = _probability(self.speech_probability, "speech_probability")


@dataclass(slots=True, kw_only=True)
class VADAudioEvent(_SpeechAudioEvent):
    """A complete speech segment, as PCM at its true sample rate."""

    event_type: EventType = field(default=EventType.VAD_AUDIO, init=False)


@dataclass(slots=True, kw_only=True)
class VADPartialEvent(_SpeechAudioEvent):
    """Speech so far, while the segment is still open."""

    event_type: EventType = field(default=EventType.VAD_PARTIAL, init=False)
    is_speech_active: bool = True


@dataclass(slots=True, kw_only=True)
class VADErrorEvent(_ErrorMixin, BaseEvent):
    event_type: EventType = field(default=EventType.VAD_ERROR, init=False)
    error: BaseException | None = None
    error_code: str | None = None
    context: str | None = None
    frame_data_available: bool = False


# ----------------------------------------------------------------------------------------- generic


@dataclass(slots=True, kw_only=True)
class PluginInitializedEvent(BaseEvent):
    event_type: EventType = field(default=EventType.PLUGIN_INITIALIZED, init=False)
    plugin_type: str | None = None  # "STT", "TTS", "STS", "VAD"
    provider: str | None = None
    configuration: dict[str, Any] | None = None
    capabilities: list[str] | None = None


@dataclass(slots=True, kw_only=True)
class PluginClosedEvent(BaseEvent):
    event_type: EventType = field(default=EventType.PLUGIN_CLOSED, init=False)
    plugin_type: str | None = None
    provider: str | None = None
    reason: str | None = None
    cleanup_successful: bool = True


@dataclass(slots=True, kw_only=True)
class PluginErrorEvent(_ErrorMixin, BaseEvent):
    event_type: EventType = field(default=EventType.PLUGIN_ERROR, init=False)
    plugin_type: str | None = None
    provider: str | None = None
    error: BaseException | None = None
    error_code: str | None = None
    context: str | None = None
    is_fatal: bool = False


EVENT_CLASS_MAP: dict[EventType, type[BaseEvent]] = {
    EventType.STT_TRANSCRIPT: STTTranscriptEvent,
    EventType.STT_PARTIAL_TRANSCRIPT: STTPartialTranscriptEvent,
    EventType.STT_ERROR: STTErrorEvent,
    EventType.STT_CONNECTION: STTConnectionEvent,
    EventType.TTS_AUDIO: TTSAudioEvent,
    EventType.TTS_SYNTHESIS_START: TTSSynthesisStartEvent,
    EventType.TTS_SYNTHESIS_COMPLETE: TTSSynthesisCompleteEvent,
    EventType.TTS_ERROR: TTSErrorEvent,
    EventType.TTS_CONNECTION: TTSConnectionEvent,
    EventType.STS_CONNECTED: STSConnectedEvent,
    EventType.STS_DISCONNECTED: STSDisconnectedEvent,
    EventType.STS_AUDIO_INPUT: STSAudioInputEvent,
    EventType.STS_AUDIO_OUTPUT: STSAudioOutputEvent,
    EventType.STS_TRANSCRIPT: STSTranscriptEvent,
    EventType.STS_RESPONSE: STSResponseEvent,
    EventType.STS_ERROR: STSErrorEvent,
    EventType.STS_CONVERSATION_ITEM: STSConversationItemEvent,
    EventType.VAD_SPEECH_START: VADSpeechStartEvent,
    EventType.VAD_SPEECH_END: VADSpeechEndEvent,
    EventType.VAD_AUDIO: VADAudioEvent,
    EventType.VAD_PARTIAL: VADPartialEvent,
    EventType.VAD_ERROR: VADErrorEvent,
    EventType.PLUGIN_INITIALIZED: PluginInitializedEvent,
    EventType.PLUGIN_CLOSED: PluginClosedEvent,
    EventType.PLUGIN_ERROR: PluginErrorEvent,
}

#: Event types whose class carries ``audio_data``.
AUDIO_EVENT_TYPES: frozenset[EventType] = frozenset(
    t for t, cls in EVENT_CLASS_MAP.items() if issubclass(cls, _AudioMixin)
)


def create_event(event_type: EventType | str, **kwargs: Any) -> BaseEvent:
    """Build the event class of ``event_type`` (an EventType or its string value) from keywords."""
    if event_type is None:
        raise UnknownEventTypeError(event_type)
    cls = EVENT_CLASS_MAP[parse_event_type(event_type)]
    try:
        return cls(**kwargs)
    except TypeError as exc:
        # dataclass __init__ says "got an unexpected keyword argument 'x'": name the class too
        raise EventValidationError(cls.__name__, sorted(kwargs), str(exc)) from None
