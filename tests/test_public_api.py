"""The public API is what ``__all__`` says: pinned here so that it cannot drift silently."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import inspector
import plugins_core

EXPECTED = {
    # events
    "AUDIO_EVENT_TYPES", "ERROR_EVENT_TYPES", "EVENT_CLASS_MAP", "AudioFormat", "BaseEvent",
    "ConnectionState", "EventKind", "Origin",
    "EventType", "PluginClosedEvent", "PluginErrorEvent", "PluginInitializedEvent",
    "STSAudioInputEvent",
    "STSAudioOutputEvent", "STSConnectedEvent", "STSConversationItemEvent", "STSDisconnectedEvent",
    "STSErrorEvent", "STSResponseEvent", "STSTranscriptEvent", "STTConnectionEvent", "STTErrorEvent",
    "STTPartialTranscriptEvent", "STTTranscriptEvent", "TTSAudioEvent", "TTSConnectionEvent",
    "TTSErrorEvent",
    "TTSSynthesisCompleteEvent", "TTSSynthesisStartEvent", "VADAudioEvent", "VADErrorEvent",
    "VADPartialEvent",
    "VADSpeechEndEvent", "VADSpeechStartEvent", "create_event", "parse_event_type",
    # audio, errors
    "PcmData", "AudioFormatError", "EventValidationError", "FilterError", "PluginsCoreError",
    "SerializationError", "UnknownEventTypeError",
    # filters, registry, subscriptions
    "FILTER_PARAMS", "EventFilter", "event_confidence", "event_text", "DEFAULT_MAX_AUDIO_BYTES",
    "DEFAULT_MAX_EVENTS", "DEFAULT_SUBSCRIBER_QUEUE", "EventListener", "EventLogger", "EventRegistry",
    "Replay", "EventSink", "EventSource",
    # descriptions
    "EventDescription", "describe_event", "format_duration_ms",
    "get_global_logger", "get_global_registry", "register_global_event", "set_global_registry",
    "RegisteredEvent", "Subscription", "SubscriptionBatch",
    # metrics, serialization
    "EventMetrics", "calculate_error_metrics", "calculate_sts_metrics", "calculate_stt_metrics",
    "calculate_tts_metrics", "calculate_vad_metrics", "percentiles", "FORMAT_VERSION", "NDJSON_FORMAT",
    "EventSerializer", "RestoredError", "decode_event", "encode_event", "deserialize_event",
    "deserialize_events", "event_from_json",
    "event_to_json", "read_ndjson", "serialize_event", "serialize_events", "write_ndjson",
    "LineError", "MAX_EVENT_BYTES", "NdjsonReader",
    # plugins
    "EventEmitter", "Handler", "Plugin", "STS", "STT", "TranscriptResult", "TTS", "AudioOutput",
    "SynthesisResult",
    "VAD", "__version__",
    # turns and session rows
    "SessionAccumulator", "SessionSummary", "TurnAnalysis", "TurnLatency", "TurnTracker", "analyze_turns",
}  # fmt: skip


def test_plugins_core_exports_exactly_the_public_api() -> None:
    assert set(plugins_core.__all__) == EXPECTED
    assert len(plugins_core.__all__) == len(EXPECTED), "no name listed twice"


def test_plugins_core_all_is_sorted() -> None:
    assert plugins_core.__all__ == sorted(plugins_core.__all__)


def test_every_exported_name_exists() -> None:
    for name in plugins_core.__all__:
        assert hasattr(plugins_core, name), name


def _modules(package: types.ModuleType) -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        if not info.name.endswith("__main__")
    ]


@pytest.mark.parametrize("module_name", _modules(plugins_core) + _modules(inspector))
def test_every_module_declares_its_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which it does not define"


def test_the_core_imports_nothing_from_the_web_app() -> None:
    for name in _modules(plugins_core):
        source = importlib.import_module(name).__file__
        assert source is not None
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
        assert "import inspector" not in text and "from inspector" not in text, name
        assert "starlette" not in text, name
