"""Tests of plugins_core.events: enums, the 25 event classes, their checks and create_event.

Upstream defaults come from the tables in section 4 of the upstream report; where this package
deliberately differs (coercion of enum strings, numpy audio stored as bytes, range checks) the
test says so.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from plugins_core.events import (
    AUDIO_EVENT_TYPES,
    ERROR_EVENT_TYPES,
    EVENT_CLASS_MAP,
    AudioFormat,
    BaseEvent,
    ConnectionState,
    EventKind,
    EventType,
    Origin,
    PluginClosedEvent,
    PluginErrorEvent,
    PluginInitializedEvent,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSErrorEvent,
    STSResponseEvent,
    STSTranscriptEvent,
    STTConnectionEvent,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSConnectionEvent,
    TTSErrorEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADErrorEvent,
    VADPartialEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
    create_event,
    parse_event_type,
)
from plugins_core.exceptions import EventValidationError, PluginsCoreError, UnknownEventTypeError

# (member name, string value) in declaration order: upstream report section 2.1.
EVENT_TYPES: list[tuple[str, str]] = [
    ("STT_TRANSCRIPT", "stt_transcript"),
    ("STT_PARTIAL_TRANSCRIPT", "stt_partial_transcript"),
    ("STT_ERROR", "stt_error"),
    ("STT_CONNECTION", "stt_connection"),
    ("TTS_AUDIO", "tts_audio"),
    ("TTS_SYNTHESIS_START", "tts_synthesis_start"),
    ("TTS_SYNTHESIS_COMPLETE", "tts_synthesis_complete"),
    ("TTS_ERROR", "tts_error"),
    ("TTS_CONNECTION", "tts_connection"),
    ("STS_CONNECTED", "sts_connected"),
    ("STS_DISCONNECTED", "sts_disconnected"),
    ("STS_AUDIO_INPUT", "sts_audio_input"),
    ("STS_AUDIO_OUTPUT", "sts_audio_output"),
    ("STS_TRANSCRIPT", "sts_transcript"),
    ("STS_RESPONSE", "sts_response"),
    ("STS_ERROR", "sts_error"),
    ("STS_CONVERSATION_ITEM", "sts_conversation_item"),
    ("VAD_SPEECH_START", "vad_speech_start"),
    ("VAD_SPEECH_END", "vad_speech_end"),
    ("VAD_AUDIO", "vad_audio"),
    ("VAD_PARTIAL", "vad_partial"),
    ("VAD_ERROR", "vad_error"),
    ("PLUGIN_INITIALIZED", "plugin_initialized"),
    ("PLUGIN_CLOSED", "plugin_closed"),
    ("PLUGIN_ERROR", "plugin_error"),
]

# Class of each type, in the same order.
CLASSES: list[tuple[EventType, type[BaseEvent]]] = [
    (EventType.STT_TRANSCRIPT, STTTranscriptEvent),
    (EventType.STT_PARTIAL_TRANSCRIPT, STTPartialTranscriptEvent),
    (EventType.STT_ERROR, STTErrorEvent),
    (EventType.STT_CONNECTION, STTConnectionEvent),
    (EventType.TTS_AUDIO, TTSAudioEvent),
    (EventType.TTS_SYNTHESIS_START, TTSSynthesisStartEvent),
    (EventType.TTS_SYNTHESIS_COMPLETE, TTSSynthesisCompleteEvent),
    (EventType.TTS_ERROR, TTSErrorEvent),
    (EventType.TTS_CONNECTION, TTSConnectionEvent),
    (EventType.STS_CONNECTED, STSConnectedEvent),
    (EventType.STS_DISCONNECTED, STSDisconnectedEvent),
    (EventType.STS_AUDIO_INPUT, STSAudioInputEvent),
    (EventType.STS_AUDIO_OUTPUT, STSAudioOutputEvent),
    (EventType.STS_TRANSCRIPT, STSTranscriptEvent),
    (EventType.STS_RESPONSE, STSResponseEvent),
    (EventType.STS_ERROR, STSErrorEvent),
    (EventType.STS_CONVERSATION_ITEM, STSConversationItemEvent),
    (EventType.VAD_SPEECH_START, VADSpeechStartEvent),
    (EventType.VAD_SPEECH_END, VADSpeechEndEvent),
    (EventType.VAD_AUDIO, VADAudioEvent),
    (EventType.VAD_PARTIAL, VADPartialEvent),
    (EventType.VAD_ERROR, VADErrorEvent),
    (EventType.PLUGIN_INITIALIZED, PluginInitializedEvent),
    (EventType.PLUGIN_CLOSED, PluginClosedEvent),
    (EventType.PLUGIN_ERROR, PluginErrorEvent),
]

ALL_CLASSES = [cls for _, cls in CLASSES]
AUDIO_CLASSES: list[type[BaseEvent]] = [
    TTSAudioEvent,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    VADAudioEvent,
    VADPartialEvent,
]
ERROR_CLASSES: list[type[BaseEvent]] = [
    STTErrorEvent,
    TTSErrorEvent,
    STSErrorEvent,
    VADErrorEvent,
    PluginErrorEvent,
]
CONNECTION_CLASSES: list[type[BaseEvent]] = [STTConnectionEvent, TTSConnectionEvent]

BASE_FIELDS = (
    "event_type",
    "event_id",
    "timestamp",
    "session_id",
    "user_metadata",
    "plugin_name",
    "plugin_version",
    "origin",  # ours: where the event was emitted (None: this process)
)

AUTO = object()  # marks a field filled by a default_factory (a fresh uuid4 string)

# Every class field beyond BaseEvent's, with its upstream default (report section 4), in order.
# `audio_evicted` is ours: the registry sets it when it drops audio to stay within its budget.
DEFAULTS: dict[type[BaseEvent], dict[str, Any]] = {
    STTTranscriptEvent: {
        "text": "",
        "confidence": None,
        "language": None,
        "processing_time_ms": None,
        "audio_duration_ms": None,
        "model_name": None,
        "words": None,
        "is_final": True,
    },
    STTPartialTranscriptEvent: {
        "text": "",
        "confidence": None,
        "language": None,
        "processing_time_ms": None,
        "audio_duration_ms": None,
        "model_name": None,
        "words": None,
        "is_final": False,
    },
    STTErrorEvent: {
        "error": None,
        "error_code": None,
        "context": None,
        "retry_count": 0,
        "is_recoverable": True,
    },
    STTConnectionEvent: {
        "connection_state": None,
        "provider": None,
        "details": None,
        "reconnect_attempts": 0,
    },
    TTSAudioEvent: {
        "audio_data": None,
        "audio_format": AudioFormat.PCM_S16,
        "sample_rate": 16000,
        "channels": 1,
        "chunk_index": 0,
        "is_final_chunk": True,
        "text_source": None,
        "synthesis_id": None,
        "audio_evicted": False,
    },
    TTSSynthesisStartEvent: {
        "text": None,
        "synthesis_id": AUTO,
        "model_name": None,
        "voice_id": None,
        "estimated_duration_ms": None,
    },
    TTSSynthesisCompleteEvent: {
        "synthesis_id": None,
        "text": None,
        "total_audio_bytes": 0,
        "synthesis_time_ms": 0.0,
        "audio_duration_ms": None,
        "chunk_count": 1,
        "real_time_factor": None,
    },
    TTSErrorEvent: {
        "error": None,
        "error_code": None,
        "context": None,
        "text_source": None,
        "synthesis_id": None,
        "is_recoverable": True,
    },
    TTSConnectionEvent: {"connection_state": None, "provider": None, "details": None},
    STSConnectedEvent: {"provider": None, "session_config": None, "capabilities": None},
    STSDisconnectedEvent: {"provider": None, "reason": None, "was_clean": True},
    STSAudioInputEvent: {
        "audio_data": None,
        "audio_format": AudioFormat.PCM_S16,
        "sample_rate": 16000,
        "channels": 1,
        "audio_evicted": False,
    },
    STSAudioOutputEvent: {
        "audio_data": None,
        "audio_format": AudioFormat.PCM_S16,
        "sample_rate": 16000,
        "channels": 1,
        "response_id": None,
        "audio_evicted": False,
    },
    STSTranscriptEvent: {
        "text": None,
        "is_user": True,
        "confidence": None,
        "conversation_item_id": None,
    },
    STSResponseEvent: {
        "text": None,
        "response_id": AUTO,
        "is_complete": True,
        "conversation_item_id": None,
    },
    STSConversationItemEvent: {
        "item_id": None,
        "item_type": None,
        "status": None,
        "role": None,
        "content": None,
    },
    STSErrorEvent: {"error": None, "error_code": None, "context": None, "is_recoverable": True},
    VADSpeechStartEvent: {"speech_probability": 0.0, "activation_threshold": 0.0, "frame_count": 1},
    VADSpeechEndEvent: {
        "speech_probability": 0.0,
        "deactivation_threshold": 0.0,
        "total_speech_duration_ms": 0.0,
        "total_frames": 0,
    },
    VADAudioEvent: {
        "audio_data": None,
        "sample_rate": 16000,
        "audio_format": AudioFormat.PCM_S16,
        "channels": 1,
        "duration_ms": None,
        "speech_probability": None,
        "frame_count": 0,
        "audio_evicted": False,
    },
    VADPartialEvent: {
        "audio_data": None,
        "sample_rate": 16000,
        "audio_format": AudioFormat.PCM_S16,
        "channels": 1,
        "duration_ms": None,
        "speech_probability": None,
        "frame_count": 0,
        "audio_evicted": False,  # shared with VADAudioEvent, so before the partial's own field
        "is_speech_active": True,
    },
    VADErrorEvent: {
        "error": None,
        "error_code": None,
        "context": None,
        "frame_data_available": False,
    },
    PluginInitializedEvent: {
        "plugin_type": None,
        "provider": None,
        "configuration": None,
        "capabilities": None,
    },
    PluginClosedEvent: {
        "plugin_type": None,
        "provider": None,
        "reason": None,
        "cleanup_successful": True,
    },
    PluginErrorEvent: {
        "plugin_type": None,
        "provider": None,
        "error": None,
        "error_code": None,
        "context": None,
        "is_fatal": False,
    },
}

# The fewest keywords that build each class (only a final transcript needs text).
MINIMAL: dict[type[BaseEvent], dict[str, Any]] = {STTTranscriptEvent: {"text": "hello"}}

DEFAULT_CASES = [
    pytest.param(cls, name, default, id=f"{cls.__name__}.{name}")
    for cls, table in DEFAULTS.items()
    for name, default in table.items()
]


def make(cls: type[BaseEvent], **kwargs: Any) -> Any:
    """An instance of `cls` from its minimal keywords plus `kwargs`.

    Typed Any: the tests run over many classes and read their class-specific fields.
    """
    return cls(**{**MINIMAL.get(cls, {}), **kwargs})


def ids(classes: list[type[BaseEvent]]) -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in classes]


# ------------------------------------------------------------------------------------------ enums


def test_event_type_has_the_25_upstream_members_in_declaration_order() -> None:
    assert [(t.name, t.value) for t in EventType] == EVENT_TYPES
    assert len(EventType) == 25


@pytest.mark.parametrize(("name", "value"), [pytest.param(n, v, id=v) for n, v in EVENT_TYPES])
def test_event_type_value_and_lookup(name: str, value: str) -> None:
    assert EventType[name].value == value
    assert EventType(value) is EventType[name]


def test_connection_state_exact_values() -> None:
    assert [(s.name, s.value) for s in ConnectionState] == [
        ("DISCONNECTED", "disconnected"),
        ("CONNECTING", "connecting"),
        ("CONNECTED", "connected"),
        ("RECONNECTING", "reconnecting"),
        ("ERROR", "error"),
    ]


def test_audio_format_exact_values() -> None:
    assert [(f.name, f.value) for f in AudioFormat] == [
        ("PCM_S16", "s16"),
        ("PCM_F32", "f32"),
        ("WAV", "wav"),
        ("MP3", "mp3"),
        ("OGG", "ogg"),
    ]


def test_audio_event_types_are_the_five_audio_carrying_types() -> None:
    assert AUDIO_EVENT_TYPES == {
        EventType.TTS_AUDIO,
        EventType.STS_AUDIO_INPUT,
        EventType.STS_AUDIO_OUTPUT,
        EventType.VAD_AUDIO,
        EventType.VAD_PARTIAL,
    }
    assert isinstance(AUDIO_EVENT_TYPES, frozenset)


def test_error_event_types_are_the_five_error_types() -> None:
    assert ERROR_EVENT_TYPES == {
        EventType.STT_ERROR,
        EventType.TTS_ERROR,
        EventType.STS_ERROR,
        EventType.VAD_ERROR,
        EventType.PLUGIN_ERROR,
    }
    assert isinstance(ERROR_EVENT_TYPES, frozenset)


def test_audio_and_error_types_match_their_classes() -> None:
    assert {EVENT_CLASS_MAP[t] for t in AUDIO_EVENT_TYPES} == set(AUDIO_CLASSES)
    assert {EVENT_CLASS_MAP[t] for t in ERROR_EVENT_TYPES} == set(ERROR_CLASSES)


# ------------------------------------------------------------------------------ parse_event_type


@pytest.mark.parametrize(("name", "value"), [pytest.param(n, v, id=v) for n, v in EVENT_TYPES])
def test_parse_event_type_by_value_by_name_and_by_member(name: str, value: str) -> None:
    member = EventType[name]
    assert parse_event_type(value) is member
    assert parse_event_type(name) is member
    assert parse_event_type(member) is member


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("nope", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("Stt_Transcript", id="mixed-case"),
        pytest.param(" stt_transcript", id="padded"),
        pytest.param("transcript", id="legacy-name"),
        pytest.param(1, id="int"),
        pytest.param(None, id="none"),
        pytest.param(ConnectionState.CONNECTED, id="other-enum"),
    ],
)
def test_parse_event_type_refuses_anything_else(value: Any) -> None:
    with pytest.raises(UnknownEventTypeError, match=r"^event_type=.*: unknown event type$") as info:
        parse_event_type(value)
    assert info.value.value == value
    assert info.value.field == "event_type"


def test_parse_event_type_names_the_given_field() -> None:
    with pytest.raises(UnknownEventTypeError, match=r"^type='nope': unknown event type$"):
        parse_event_type("nope", "type")


# ------------------------------------------------------------------------------------- BaseEvent


def test_base_event_creation_sets_id_and_utc_timestamp() -> None:
    before = datetime.now(UTC)
    event = BaseEvent(EventType.STT_TRANSCRIPT)
    after = datetime.now(UTC)
    assert event.event_type is EventType.STT_TRANSCRIPT
    assert uuid.UUID(event.event_id).version == 4
    assert event.timestamp.tzinfo is UTC
    assert before <= event.timestamp <= after
    assert event.session_id is None
    assert event.user_metadata is None
    assert event.plugin_name is None
    assert event.plugin_version is None


def test_base_event_with_optional_fields() -> None:
    event = BaseEvent(
        EventType.PLUGIN_CLOSED,
        session_id="s1",
        user_metadata={"user": "u1"},
        plugin_name="deepgram",
        plugin_version="1.2.3",
    )
    assert (event.session_id, event.user_metadata) == ("s1", {"user": "u1"})
    assert (event.plugin_name, event.plugin_version) == ("deepgram", "1.2.3")


def test_base_event_accepts_the_type_as_a_string() -> None:
    assert BaseEvent("vad_audio").event_type is EventType.VAD_AUDIO  # type: ignore[arg-type]
    assert BaseEvent("VAD_AUDIO").event_type is EventType.VAD_AUDIO  # type: ignore[arg-type]


def test_base_event_refuses_an_unknown_type() -> None:
    with pytest.raises(UnknownEventTypeError, match=r"^event_type='nope'"):
        BaseEvent("nope")  # type: ignore[arg-type]


def test_event_ids_are_unique_across_10k_events() -> None:
    events = [VADSpeechStartEvent() for _ in range(10_000)]
    assert len({e.event_id for e in events}) == 10_000


def test_given_event_id_is_kept() -> None:
    assert STSConnectedEvent(event_id="fixed").event_id == "fixed"


def test_naive_timestamp_is_read_as_utc_not_local_time() -> None:
    event = STSConnectedEvent(timestamp=datetime(2026, 1, 2, 12, 30, 5, 123456))
    assert event.timestamp == datetime(2026, 1, 2, 12, 30, 5, 123456, tzinfo=UTC)
    assert event.timestamp.tzinfo is UTC


def test_aware_non_utc_timestamp_is_converted_to_utc() -> None:
    paris_summer = timezone(timedelta(hours=2))
    event = STSConnectedEvent(timestamp=datetime(2026, 7, 1, 14, 0, tzinfo=paris_summer))
    assert event.timestamp == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert event.timestamp.tzinfo is UTC
    assert event.timestamp.hour == 12


def test_aware_utc_timestamp_is_kept_as_is() -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    assert STSConnectedEvent(timestamp=stamp).timestamp is stamp


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2026-01-01T00:00:00Z", id="string"),
        pytest.param(1_700_000_000, id="epoch"),
        pytest.param(None, id="none"),
    ],
)
def test_timestamp_that_is_not_a_datetime_is_refused(value: Any) -> None:
    with pytest.raises(EventValidationError, match=r"^timestamp=.*: must be a datetime$"):
        STSConnectedEvent(timestamp=value)


# -------------------------------------------------------------------------- the 25 event classes


def test_event_class_map_is_one_to_one_over_the_25_types() -> None:
    assert list(EVENT_CLASS_MAP) == list(EventType)
    assert len(set(EVENT_CLASS_MAP.values())) == 25
    assert list(EVENT_CLASS_MAP.items()) == CLASSES


@pytest.mark.parametrize(("event_type", "cls"), [pytest.param(t, c, id=c.__name__) for t, c in CLASSES])
def test_every_class_is_constructible_with_keywords_and_fixes_its_type(
    event_type: EventType, cls: type[BaseEvent]
) -> None:
    event = make(cls)
    assert type(event) is cls
    assert isinstance(event, BaseEvent)
    assert event.event_type is event_type
    assert event.timestamp.tzinfo is UTC
    assert uuid.UUID(event.event_id)


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_event_type_is_not_a_constructor_argument(cls: type[BaseEvent]) -> None:
    (type_field,) = [f for f in dataclasses.fields(cls) if f.name == "event_type"]
    assert type_field.init is False
    kwargs: dict[str, Any] = {**MINIMAL.get(cls, {}), "event_type": EventType.PLUGIN_ERROR}
    with pytest.raises(TypeError, match="event_type"):
        make(cls, **kwargs)


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_positional_arguments_are_refused(cls: type[BaseEvent]) -> None:
    factory: Any = cls
    with pytest.raises(TypeError):
        factory("positional")


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_fields_are_the_base_fields_then_the_upstream_fields_in_order(cls: type[BaseEvent]) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    assert names == [*BASE_FIELDS, *DEFAULTS[cls]]


@pytest.mark.parametrize(("cls", "name", "default"), DEFAULT_CASES)
def test_upstream_default(cls: type[BaseEvent], name: str, default: Any) -> None:
    (declared,) = [f for f in dataclasses.fields(cls) if f.name == name]
    assert declared.init is True
    if name in MINIMAL.get(cls, {}):
        assert declared.default == default  # declared, though this class refuses it (empty text)
        return
    value = getattr(make(cls), name)
    if default is AUTO:
        assert isinstance(value, str)
        assert uuid.UUID(value).version == 4
    elif isinstance(default, (bool, AudioFormat)) or default is None:
        assert value is default
    else:
        assert value == default
        assert type(value) is type(default)


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        pytest.param(TTSSynthesisStartEvent, "synthesis_id", id="synthesis_id"),
        pytest.param(STSResponseEvent, "response_id", id="response_id"),
    ],
)
def test_auto_ids_are_fresh_per_event_and_can_be_given(cls: type[BaseEvent], name: str) -> None:
    first, second = getattr(make(cls), name), getattr(make(cls), name)
    assert first != second
    assert getattr(make(cls, **{name: "given"}), name) == "given"


def test_mutable_defaults_are_not_shared_between_events() -> None:
    a, b = STSConnectedEvent(), STSConnectedEvent()
    assert a.session_config is None and b.session_config is None
    a.user_metadata = {"x": 1}
    assert b.user_metadata is None


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_every_class_carries_session_metadata_and_plugin_identity(cls: type[BaseEvent]) -> None:
    event = make(
        cls,
        session_id="session_123",
        user_metadata={"user_id": "u1"},
        plugin_name="silero",
        plugin_version="0.2.0",
    )
    assert event.session_id == "session_123"
    assert event.user_metadata == {"user_id": "u1"}
    assert event.plugin_name == "silero"
    assert event.plugin_version == "0.2.0"


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_unknown_keyword_is_a_type_error_on_the_class(cls: type[BaseEvent]) -> None:
    with pytest.raises(TypeError, match="plugin_type_typo"):
        make(cls, plugin_type_typo="STT")


# ---------------------------------------------------------------------------------- STT transcript


def test_stt_transcript_empty_text_is_refused_naming_text() -> None:
    with pytest.raises(EventValidationError, match=r"^text='': transcript text cannot be empty$") as info:
        STTTranscriptEvent()
    assert info.value.field == "text"
    with pytest.raises(EventValidationError, match=r"^text=''"):
        STTTranscriptEvent(text="")


def test_stt_transcript_empty_text_error_is_a_value_error_like_upstream() -> None:
    with pytest.raises(ValueError):
        STTTranscriptEvent(text="")


@pytest.mark.parametrize("text", [pytest.param("   ", id="spaces"), pytest.param("\n\t", id="newline-tab")])
def test_stt_transcript_whitespace_only_text_is_accepted(text: str) -> None:
    assert STTTranscriptEvent(text=text).text == text


@pytest.mark.parametrize("cls", ids([STTTranscriptEvent, STTPartialTranscriptEvent]))
def test_stt_text_must_be_a_string(cls: type[BaseEvent]) -> None:
    with pytest.raises(EventValidationError, match=r"^text=b'hi': must be a string$"):
        make(cls, text=b"hi")
    with pytest.raises(EventValidationError, match=r"^text=None: must be a string$"):
        make(cls, text=None)


def test_stt_partial_transcript_accepts_empty_text() -> None:
    event = STTPartialTranscriptEvent()
    assert event.text == ""
    assert event.is_final is False


def test_stt_transcript_with_all_fields() -> None:
    words = [{"word": "hello", "start": 0.0, "end": 0.4}]
    event = STTTranscriptEvent(
        text="hello",
        confidence=0.95,
        language="en",
        processing_time_ms=150.0,
        audio_duration_ms=400.0,
        model_name="nova-2",
        words=words,
    )
    assert (event.confidence, event.language, event.model_name) == (0.95, "en", "nova-2")
    assert (event.processing_time_ms, event.audio_duration_ms, event.words) == (150.0, 400.0, words)
    assert event.is_final is True


# -------------------------------------------------------------------------- probability checks

PROBABILITY_FIELDS = [
    pytest.param(STTTranscriptEvent, "confidence", id="STTTranscript.confidence"),
    pytest.param(STTPartialTranscriptEvent, "confidence", id="STTPartial.confidence"),
    pytest.param(STSTranscriptEvent, "confidence", id="STSTranscript.confidence"),
    pytest.param(VADSpeechStartEvent, "speech_probability", id="VADSpeechStart.speech_probability"),
    pytest.param(VADSpeechEndEvent, "speech_probability", id="VADSpeechEnd.speech_probability"),
    pytest.param(VADAudioEvent, "speech_probability", id="VADAudio.speech_probability"),
    pytest.param(VADPartialEvent, "speech_probability", id="VADPartial.speech_probability"),
]


@pytest.mark.parametrize(("cls", "name"), PROBABILITY_FIELDS)
@pytest.mark.parametrize("value", [0.0, 0.5, 1.0, 0, 1], ids=["0.0", "0.5", "1.0", "int-0", "int-1"])
def test_probabilities_in_the_closed_unit_interval_are_accepted(
    cls: type[BaseEvent], name: str, value: float
) -> None:
    assert getattr(make(cls, **{name: value}), name) == value


@pytest.mark.parametrize(("cls", "name"), PROBABILITY_FIELDS)
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(1.0000001, "must be in \\[0, 1\\]", id="above-1"),
        pytest.param(-0.1, "must be in \\[0, 1\\]", id="negative"),
        pytest.param(95, "must be in \\[0, 1\\]", id="percent"),
        pytest.param(math.nan, "must be in \\[0, 1\\]", id="nan"),
        pytest.param(math.inf, "must be in \\[0, 1\\]", id="inf"),
        pytest.param("0.9", "must be a number in \\[0, 1\\] or None", id="string"),
        pytest.param(True, "must be a number in \\[0, 1\\] or None", id="bool"),
    ],
)
def test_probabilities_outside_the_unit_interval_or_nan_are_refused(
    cls: type[BaseEvent], name: str, value: Any, reason: str
) -> None:
    with pytest.raises(EventValidationError, match=rf"^{name}=.*: {reason}$") as info:
        make(cls, **{name: value})
    assert info.value.field == name


@pytest.mark.parametrize(
    ("cls", "name"),
    [p for p in PROBABILITY_FIELDS if p.values[0] not in (VADSpeechStartEvent, VADSpeechEndEvent)],
)
def test_optional_probabilities_accept_none(cls: type[BaseEvent], name: str) -> None:
    assert getattr(make(cls, **{name: None}), name) is None


def test_numpy_float32_confidence_is_accepted() -> None:
    event = STTTranscriptEvent(text="hi", confidence=np.float32(0.875))  # type: ignore[arg-type]
    assert event.confidence == 0.875


def test_numpy_float64_confidence_is_accepted() -> None:
    assert STTTranscriptEvent(text="hi", confidence=np.float64(0.5)).confidence == 0.5


# ----------------------------------------------------------------------------- duration checks

DURATION_FIELDS = [
    pytest.param(STTTranscriptEvent, "processing_time_ms", id="STTTranscript.processing_time_ms"),
    pytest.param(STTTranscriptEvent, "audio_duration_ms", id="STTTranscript.audio_duration_ms"),
    pytest.param(STTPartialTranscriptEvent, "processing_time_ms", id="STTPartial.processing_time_ms"),
    pytest.param(STTPartialTranscriptEvent, "audio_duration_ms", id="STTPartial.audio_duration_ms"),
    pytest.param(TTSSynthesisCompleteEvent, "synthesis_time_ms", id="TTSComplete.synthesis_time_ms"),
    pytest.param(TTSSynthesisCompleteEvent, "audio_duration_ms", id="TTSComplete.audio_duration_ms"),
    pytest.param(TTSSynthesisCompleteEvent, "real_time_factor", id="TTSComplete.real_time_factor"),
    pytest.param(VADSpeechEndEvent, "total_speech_duration_ms", id="VADSpeechEnd.total_speech_duration"),
    pytest.param(VADAudioEvent, "duration_ms", id="VADAudio.duration_ms"),
    pytest.param(VADPartialEvent, "duration_ms", id="VADPartial.duration_ms"),
]
ESTIMATED_DURATION = pytest.param(
    TTSSynthesisStartEvent, "estimated_duration_ms", id="TTSStart.estimated_duration_ms"
)


@pytest.mark.parametrize(("cls", "name"), [*DURATION_FIELDS, ESTIMATED_DURATION])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(-1.0, id="negative"),
        pytest.param(-0.001, id="slightly-negative"),
        pytest.param(math.inf, id="inf"),
        pytest.param(-math.inf, id="minus-inf"),
        pytest.param(math.nan, id="nan"),
    ],
)
def test_negative_infinite_or_nan_durations_are_refused(
    cls: type[BaseEvent], name: str, value: float
) -> None:
    with pytest.raises(EventValidationError, match=rf"^{name}=.*: must be a finite number >= 0$") as info:
        make(cls, **{name: value})
    assert info.value.field == name


@pytest.mark.parametrize(("cls", "name"), [*DURATION_FIELDS, ESTIMATED_DURATION])
@pytest.mark.parametrize("value", [0, 0.0, 12.5, 10**9], ids=["int-0", "0.0", "12.5", "big-int"])
def test_finite_non_negative_durations_are_accepted(cls: type[BaseEvent], name: str, value: float) -> None:
    assert getattr(make(cls, **{name: value}), name) == value


@pytest.mark.parametrize(("cls", "name"), DURATION_FIELDS)
def test_duration_that_is_not_a_number_is_refused(cls: type[BaseEvent], name: str) -> None:
    with pytest.raises(EventValidationError, match=rf"^{name}='12': must be a number >= 0 or None$"):
        make(cls, **{name: "12"})


# ------------------------------------------------------------------------------------ error events


@pytest.mark.parametrize("cls", ids(ERROR_CLASSES))
def test_error_message_is_unknown_error_without_an_error(cls: type[BaseEvent]) -> None:
    event = make(cls)
    assert event.error is None
    assert event.error_message == "Unknown error"


@pytest.mark.parametrize("cls", ids(ERROR_CLASSES))
def test_error_message_is_the_str_of_the_error(cls: type[BaseEvent]) -> None:
    error = ValueError("Test error")
    event = make(cls, error=error, error_code="E42", context="audio processing")
    assert event.error is error
    assert event.error_message == "Test error"
    assert (event.error_code, event.context) == ("E42", "audio processing")


def test_error_message_of_an_error_without_text_is_empty() -> None:
    event = STTErrorEvent(error=RuntimeError())
    assert event.error_message == ""


@pytest.mark.parametrize("cls", ids([c for c in ALL_CLASSES if c not in ERROR_CLASSES]))
def test_only_error_events_have_error_message(cls: type[BaseEvent]) -> None:
    assert not hasattr(make(cls), "error_message")


# ------------------------------------------------------------------------------ connection events


@pytest.mark.parametrize("cls", ids(CONNECTION_CLASSES))
@pytest.mark.parametrize("state", list(ConnectionState), ids=[s.value for s in ConnectionState])
def test_connection_state_strings_are_coerced_to_the_enum(
    cls: type[BaseEvent], state: ConnectionState
) -> None:
    assert make(cls, connection_state=state.value).connection_state is state
    assert make(cls, connection_state=state).connection_state is state


@pytest.mark.parametrize("cls", ids(CONNECTION_CLASSES))
@pytest.mark.parametrize("value", ["CONNECTED", "online", ""], ids=["member-name", "unknown", "empty"])
def test_unknown_connection_state_is_refused_naming_the_field(cls: type[BaseEvent], value: str) -> None:
    with pytest.raises(
        EventValidationError,
        match=rf"^connection_state='{value}': not a ConnectionState \(one of 'disconnected', 'connecting',",
    ):
        make(cls, connection_state=value)


# ----------------------------------------------------------------------------------- audio events


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize(
    ("dtype", "fmt", "width"),
    [
        pytest.param(np.int16, AudioFormat.PCM_S16, 2, id="int16-s16"),
        pytest.param(np.float32, AudioFormat.PCM_F32, 4, id="float32-f32"),
        pytest.param(np.float64, AudioFormat.PCM_F32, 4, id="float64-f32"),
    ],
)
def test_numpy_audio_becomes_bytes_with_the_format_of_its_dtype(
    cls: type[BaseEvent], dtype: Any, fmt: AudioFormat, width: int
) -> None:
    samples = np.array([0, 1, -1, 0.5 if dtype is not np.int16 else 100], dtype=dtype)
    event = make(cls, audio_data=samples)
    assert type(event.audio_data) is bytes
    assert event.audio_format is fmt
    assert event.channels == 1
    assert len(event.audio_data) == 4 * width
    stored = np.frombuffer(event.audio_data, dtype=np.int16 if fmt is AudioFormat.PCM_S16 else np.float32)
    np.testing.assert_array_equal(stored, samples.astype(stored.dtype))


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_numpy_dtype_overrides_a_given_audio_format(cls: type[BaseEvent]) -> None:
    event = make(cls, audio_data=np.zeros(4, dtype=np.float32), audio_format=AudioFormat.PCM_S16)
    assert event.audio_format is AudioFormat.PCM_F32


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_stereo_array_sets_two_channels_and_is_interleaved_in_c_order(cls: type[BaseEvent]) -> None:
    frames = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int16)  # (frames, channels): L R per row
    event = make(cls, audio_data=frames)
    assert event.channels == 2
    assert event.audio_data == np.array([1, 2, 3, 4, 5, 6], dtype=np.int16).tobytes()


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_fortran_ordered_and_strided_arrays_are_interleaved_too(cls: type[BaseEvent]) -> None:
    fortran = np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.int16))
    assert make(cls, audio_data=fortran).audio_data == np.array([1, 2, 3, 4], np.int16).tobytes()
    strided = np.arange(10, dtype=np.int16)[::2]
    assert make(cls, audio_data=strided).audio_data == np.array([0, 2, 4, 6, 8], np.int16).tobytes()


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_stored_audio_is_a_copy_of_the_array(cls: type[BaseEvent]) -> None:
    samples = np.array([1, 2, 3], dtype=np.int16)
    event = make(cls, audio_data=samples)
    samples[0] = 99
    assert event.audio_data == np.array([1, 2, 3], dtype=np.int16).tobytes()


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize(
    ("array", "match"),
    [
        pytest.param(
            np.zeros(4, dtype=np.int32),
            r"^audio_data='ndarray\(dtype=int32\)': dtype must be int16, float32 or float64$",
            id="int32",
        ),
        pytest.param(np.zeros(4, dtype=np.uint8), r"^audio_data='ndarray\(dtype=uint8\)'", id="uint8"),
        pytest.param(
            np.zeros((2, 2, 2), dtype=np.int16),
            r"^audio_data='ndarray\(shape=\(2, 2, 2\)\)': must be 1-D, or 2-D as \(frames, channels\)$",
            id="3-D",
        ),
        pytest.param(np.array(5, dtype=np.int16), r"^audio_data='ndarray\(shape=\(\)\)'", id="0-D"),
    ],
)
def test_bad_arrays_are_refused_naming_audio_data(cls: type[BaseEvent], array: Any, match: str) -> None:
    with pytest.raises(EventValidationError, match=match) as info:
        make(cls, audio_data=array)
    assert info.value.field == "audio_data"


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytearray(b"\x01\x02"), id="bytearray"),
        pytest.param(memoryview(b"\x01\x02"), id="memoryview"),
    ],
)
def test_bytearray_and_memoryview_become_bytes(cls: type[BaseEvent], data: Any) -> None:
    event = make(cls, audio_data=data)
    assert type(event.audio_data) is bytes
    assert event.audio_data == b"\x01\x02"


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_bytes_audio_is_stored_as_is(cls: type[BaseEvent]) -> None:
    data = b"\x00\x01" * 8
    assert make(cls, audio_data=data).audio_data is data


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize("value", ["abc", [1, 2], 3], ids=["str", "list", "int"])
def test_other_audio_data_is_refused(cls: type[BaseEvent], value: Any) -> None:
    with pytest.raises(EventValidationError, match=r"^audio_data=.*: must be bytes, a numpy array or None$"):
        make(cls, audio_data=value)


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize("fmt", list(AudioFormat), ids=[f.value for f in AudioFormat])
def test_audio_format_strings_are_coerced_to_the_enum(cls: type[BaseEvent], fmt: AudioFormat) -> None:
    # Upstream kept the plain string (its test_vad_audio_event asserts "s16"); we coerce.
    event = make(cls, audio_data=b"\x00\x00", audio_format=fmt.value)
    assert event.audio_format is fmt


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize("value", ["flac", "S16", "PCM_S16"], ids=["unknown", "upper", "member-name"])
def test_unknown_audio_format_is_refused_naming_the_field(cls: type[BaseEvent], value: str) -> None:
    with pytest.raises(
        EventValidationError, match=rf"^audio_format='{value}': not a AudioFormat \(one of 's16', 'f32',"
    ) as info:
        make(cls, audio_format=value)
    assert info.value.field == "audio_format"


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        pytest.param("sample_rate", 0, "must be a positive integer \\(Hz\\)", id="rate-0"),
        pytest.param("sample_rate", -16000, "must be a positive integer \\(Hz\\)", id="rate-negative"),
        pytest.param("sample_rate", 16000.0, "must be a positive integer \\(Hz\\)", id="rate-float"),
        pytest.param("sample_rate", True, "must be a positive integer \\(Hz\\)", id="rate-bool"),
        pytest.param("channels", 0, "must be a positive integer", id="channels-0"),
        pytest.param("channels", "2", "must be a positive integer", id="channels-str"),
    ],
)
def test_bad_rate_or_channels_are_refused_naming_the_field(
    cls: type[BaseEvent], name: str, value: Any, reason: str
) -> None:
    with pytest.raises(EventValidationError, match=rf"^{name}=.*: {reason}$"):
        make(cls, **{name: value})


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_audio_size_bytes(cls: type[BaseEvent]) -> None:
    assert make(cls).audio_size_bytes == 0
    assert make(cls, audio_data=b"").audio_size_bytes == 0
    assert make(cls, audio_data=b"\x00" * 320).audio_size_bytes == 320
    assert make(cls, audio_data=np.zeros(160, dtype=np.float32)).audio_size_bytes == 640


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"audio_data": b"\x00" * 32000}, 1000.0, id="s16-mono-16k-1s"),
        pytest.param({"audio_data": b"\x00" * 32000, "channels": 2}, 500.0, id="s16-stereo"),
        pytest.param({"audio_data": b"\x00" * 32000, "audio_format": "f32"}, 500.0, id="f32-mono"),
        pytest.param({"audio_data": b"\x00" * 480, "sample_rate": 24000}, 10.0, id="s16-24k-10ms"),
        pytest.param({"audio_data": np.zeros((800, 2), dtype=np.int16)}, 50.0, id="stereo-array"),
        pytest.param({"audio_data": np.zeros(8000)}, 500.0, id="float64-array"),
        pytest.param({"audio_data": b"ID3...", "audio_format": "mp3"}, None, id="mp3-unknown"),
        pytest.param({"audio_data": b"RIFF", "audio_format": AudioFormat.WAV}, None, id="wav-unknown"),
        pytest.param({}, None, id="no-audio"),
        pytest.param({"audio_data": b""}, None, id="empty-audio"),
    ],
)
def test_audio_duration_ms(cls: type[BaseEvent], kwargs: dict[str, Any], expected: float | None) -> None:
    duration = make(cls, **kwargs).audio_duration_ms
    if expected is None:
        assert duration is None
    else:
        assert duration == pytest.approx(expected)


def test_audio_duration_property_does_not_shadow_the_stt_field() -> None:
    # STTTranscriptEvent has its own audio_duration_ms *field*; only audio classes have the property.
    assert STTTranscriptEvent(text="x", audio_duration_ms=42.0).audio_duration_ms == 42.0
    assert TTSSynthesisCompleteEvent(audio_duration_ms=7.0).audio_duration_ms == 7.0


@pytest.mark.parametrize("cls", ids(AUDIO_CLASSES))
def test_audio_stays_bytes_through_dataclasses_replace(cls: type[BaseEvent]) -> None:
    event = make(cls, audio_data=np.ones(4, dtype=np.int16))
    copy: Any = dataclasses.replace(event)
    assert type(copy.audio_data) is bytes
    assert copy.audio_data == event.audio_data


# -------------------------------------------------------------------------------------- create_event


@pytest.mark.parametrize(("event_type", "cls"), [pytest.param(t, c, id=t.value) for t, c in CLASSES])
def test_create_event_by_enum_by_value_and_by_name(event_type: EventType, cls: type[BaseEvent]) -> None:
    kwargs = MINIMAL.get(cls, {})
    for key in (event_type, event_type.value, event_type.name):
        event = create_event(key, session_id="s", **kwargs)
        assert type(event) is cls
        assert event.event_type is event_type
        assert event.session_id == "s"


def test_create_event_passes_keywords_through() -> None:
    event = create_event(EventType.STT_TRANSCRIPT, text="hi", confidence=0.9, plugin_name="p")
    assert isinstance(event, STTTranscriptEvent)
    assert (event.text, event.confidence, event.plugin_name) == ("hi", 0.9, "p")


@pytest.mark.parametrize("value", ["nope", "transcript", "", "STT-TRANSCRIPT"])
def test_create_event_unknown_type_is_an_unknown_event_type_error(value: str) -> None:
    with pytest.raises(UnknownEventTypeError, match=rf"^event_type='{value}': unknown event type$"):
        create_event(value)
    with pytest.raises(ValueError):
        create_event(value)


def test_create_event_none_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^event_type=None: unknown event type$"):
        create_event(None)  # type: ignore[arg-type]


def test_create_event_unknown_keyword_names_the_class() -> None:
    with pytest.raises(
        EventValidationError, match=r"^STTTranscriptEvent=\['bogus', 'text'\]: .*unexpected keyword.*'bogus'"
    ) as info:
        create_event("stt_transcript", text="hi", bogus=1)
    assert info.value.field == "STTTranscriptEvent"
    assert isinstance(info.value, PluginsCoreError)


def test_create_event_field_errors_propagate_unchanged() -> None:
    with pytest.raises(EventValidationError, match=r"^text='': transcript text cannot be empty$"):
        create_event("stt_transcript", text="")
    with pytest.raises(EventValidationError, match=r"^confidence=2"):
        create_event("sts_transcript", confidence=2)


# ------------------------------------------------------------------------------------------ to_dict


def test_to_dict_shape_with_enums_as_values_and_isoformat_times() -> None:
    stamp = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    event = TTSAudioEvent(
        audio_data=b"\x01\x00",
        audio_format=AudioFormat.PCM_F32,
        timestamp=stamp,
        event_id="e1",
        session_id="s1",
        chunk_index=3,
    )
    assert event.to_dict() == {
        "event_type": "tts_audio",
        "event_id": "e1",
        "timestamp": "2026-03-04T05:06:07.890000+00:00",
        "session_id": "s1",
        "user_metadata": None,
        "plugin_name": None,
        "plugin_version": None,
        "origin": None,
        "audio_data": b"\x01\x00",
        "audio_format": "f32",
        "sample_rate": 16000,
        "channels": 1,
        "chunk_index": 3,
        "is_final_chunk": True,
        "text_source": None,
        "synthesis_id": None,
        "audio_evicted": False,
    }


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_to_dict_has_every_field_and_the_event_type_value(cls: type[BaseEvent]) -> None:
    event = make(cls)
    data = event.to_dict()
    assert list(data) == [f.name for f in dataclasses.fields(cls)]
    assert data["event_type"] == event.event_type.value
    assert datetime.fromisoformat(data["timestamp"]) == event.timestamp
    assert "T" in data["timestamp"]  # upstream used str(dt), with a space
    assert not any(isinstance(v, (EventType, AudioFormat, ConnectionState, datetime)) for v in data.values())


def test_to_dict_keeps_connection_state_value_and_error_object() -> None:
    error = KeyError("k")
    assert (
        STTConnectionEvent(connection_state=ConnectionState.CONNECTED).to_dict()["connection_state"]
        == "connected"
    )
    assert STTConnectionEvent().to_dict()["connection_state"] is None
    assert STTErrorEvent(error=error).to_dict()["error"] is error


def test_to_dict_leaves_nested_values_as_they_are() -> None:
    metadata = {"user": {"id": 1}}
    data = STTTranscriptEvent(text="x", user_metadata=metadata, words=[{"w": "x"}]).to_dict()
    assert data["user_metadata"] is metadata
    assert data["words"] == [{"w": "x"}]
    assert "error_message" not in STTErrorEvent().to_dict()


# ------------------------------------------------------------------------------- memory and slots


@pytest.mark.parametrize("cls", ids([BaseEvent, *ALL_CLASSES]))
def test_events_are_slotted(cls: type[BaseEvent]) -> None:
    event: Any = BaseEvent(EventType.PLUGIN_CLOSED) if cls is BaseEvent else make(cls)
    assert not hasattr(event, "__dict__")
    with pytest.raises(AttributeError):
        event.not_a_field = 1


@pytest.mark.parametrize("cls", ids(ALL_CLASSES))
def test_events_are_small(cls: type[BaseEvent]) -> None:
    event = make(cls)
    field_count = len(dataclasses.fields(cls))
    # one pointer per field plus the object header: no per-instance dict
    assert sys.getsizeof(event) <= 48 + 8 * field_count
    assert sys.getsizeof(event) < 256


def test_events_compare_by_value() -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    a = STTTranscriptEvent(text="hi", event_id="1", timestamp=stamp)
    b = STTTranscriptEvent(text="hi", event_id="1", timestamp=stamp)
    assert a == b
    assert a != STTTranscriptEvent(text="hi", event_id="2", timestamp=stamp)


# ------------------------------------------------------------------------- kinds and origins


def test_enums_compare_equal_to_their_string_values() -> None:
    # upstream's providers compared with plain strings: typed as str here, as their code was
    values: list[str] = [EventType.STT_TRANSCRIPT, AudioFormat.PCM_S16, ConnectionState.CONNECTED]
    assert values == ["stt_transcript", "s16", "connected"]
    assert {"s16": 1}[AudioFormat.PCM_S16] == 1


@pytest.mark.parametrize(
    ("event_type", "kind", "family"),
    [
        (EventType.STT_TRANSCRIPT, EventKind.TRANSCRIPT, "stt"),
        (EventType.STS_TRANSCRIPT, EventKind.TRANSCRIPT, "sts"),
        (EventType.STT_PARTIAL_TRANSCRIPT, EventKind.PARTIAL, "stt"),
        (EventType.VAD_AUDIO, EventKind.SPEECH, "vad"),
        (EventType.TTS_AUDIO, EventKind.SYNTHESIS, "tts"),
        (EventType.STS_AUDIO_OUTPUT, EventKind.STS, "sts"),
        (EventType.PLUGIN_INITIALIZED, EventKind.LIFECYCLE, "plugin"),
        (EventType.TTS_CONNECTION, EventKind.LIFECYCLE, "tts"),
        (EventType.VAD_ERROR, EventKind.ERROR, "vad"),
        (EventType.PLUGIN_ERROR, EventKind.ERROR, "plugin"),
    ],
)
def test_every_event_type_has_one_kind_and_family(
    event_type: EventType, kind: EventKind, family: str
) -> None:
    assert event_type.kind is kind
    assert event_type.family == family


def test_kinds_audio_and_errors_agree_with_the_classes() -> None:
    for event_type, cls in EVENT_CLASS_MAP.items():
        assert event_type.has_audio == ("audio_data" in {f.name for f in dataclasses.fields(cls)})
        assert event_type.is_error == (event_type.kind is EventKind.ERROR) == ("error" in event_type.value)


def test_origin_here_names_this_process() -> None:
    origin = Origin.here("agent-1")
    assert origin.pid == os.getpid()
    assert origin.label == f"agent-1@{origin.host}:{os.getpid()}"
    assert Origin("h", 7).label == "h:7"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": "", "pid": 1}, r"^origin.host='': must be a non-empty string"),
        ({"host": "h", "pid": -1}, r"^origin.pid=-1: must be an integer >= 0"),
        ({"host": "h", "pid": True}, r"^origin.pid=True"),
        ({"host": "h", "pid": 1, "worker": 3}, r"^origin.worker=3"),
    ],
)
def test_origin_refuses_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(EventValidationError, match=message):
        Origin(**kwargs)


def test_events_made_here_have_no_origin_and_refuse_a_wrong_one() -> None:
    assert STTTranscriptEvent(text="hi").origin is None
    assert STTTranscriptEvent(text="hi", origin=Origin("h", 1, "w")).origin == Origin("h", 1, "w")
    with pytest.raises(EventValidationError, match=r"^origin=\{'host': 'h'\}: must be an Origin or None"):
        STTTranscriptEvent(text="hi", origin={"host": "h"})  # type: ignore[arg-type]
