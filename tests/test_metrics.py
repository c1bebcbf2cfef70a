"""Tests of plugins_core.metrics: upstream's metric behaviours, plus percentiles, STS and error metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st

from plugins_core.events import (
    ERROR_EVENT_TYPES,
    BaseEvent,
    EventType,
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
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSErrorEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADErrorEvent,
    VADPartialEvent,
    create_event,
)
from plugins_core.metrics import (
    EventMetrics,
    calculate_error_metrics,
    calculate_sts_metrics,
    calculate_stt_metrics,
    calculate_tts_metrics,
    calculate_vad_metrics,
    percentiles,
)

MetricFunction = Callable[[Iterable[BaseEvent]], Any]

ALL_FUNCTIONS: list[MetricFunction] = [
    calculate_stt_metrics,
    calculate_tts_metrics,
    calculate_vad_metrics,
    calculate_sts_metrics,
    calculate_error_metrics,
]

STS_KEYS = {
    "total_connections",
    "total_disconnections",
    "total_transcripts",
    "user_transcripts",
    "assistant_transcripts",
    "total_responses",
    "complete_responses",
    "incomplete_responses",
    "total_conversation_items",
    "audio_input_chunks",
    "audio_input_bytes",
    "audio_output_chunks",
    "audio_output_bytes",
    "total_errors",
}


def _reference_percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method), written out by hand."""
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _assert_plain(value: object) -> None:
    """Only str keys and plain int/float leaves: no numpy scalar may leak out of a metric."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            _assert_plain(item)
    else:
        assert type(value) in (int, float), f"{value!r} is a {type(value).__name__}"


def _realistic_events() -> list[BaseEvent]:
    """One session touching every plugin kind, as in upstream's realistic-sequence test, plus STS."""
    return [
        STTTranscriptEvent(text="Hello", confidence=0.95, processing_time_ms=100.0, plugin_name="stt"),
        STTPartialTranscriptEvent(text="Hello wo", confidence=0.85, processing_time_ms=50.0),
        STTTranscriptEvent(text="Hello world", confidence=0.92, processing_time_ms=120.0, plugin_name="stt"),
        STTErrorEvent(error=RuntimeError("socket closed"), plugin_name="stt"),
        TTSSynthesisStartEvent(text="Hello world", plugin_name="tts"),
        TTSAudioEvent(audio_data=b"audio1", plugin_name="tts"),
        TTSAudioEvent(audio_data=b"audio2", plugin_name="tts"),
        TTSSynthesisCompleteEvent(synthesis_id="synth1", synthesis_time_ms=200.0, real_time_factor=0.8),
        VADAudioEvent(audio_data=b"speech1", duration_ms=800.0, speech_probability=0.9),
        VADPartialEvent(speech_probability=0.85),
        VADAudioEvent(audio_data=b"speech2", duration_ms=1200.0, speech_probability=0.95),
        STSConnectedEvent(provider="openai", plugin_name="sts"),
        STSAudioInputEvent(audio_data=b"\x00\x01" * 160, plugin_name="sts"),
        STSTranscriptEvent(text="hi", is_user=True, plugin_name="sts"),
        STSResponseEvent(text="hello", plugin_name="sts"),
        STSDisconnectedEvent(plugin_name="sts"),
    ]


# --------------------------------------------------------------------------------------------- STT


def test_stt_empty_input_gives_only_total_transcripts() -> None:
    assert calculate_stt_metrics([]) == {"total_transcripts": 0}


def test_stt_without_transcript_events_gives_only_total_transcripts() -> None:
    events: list[BaseEvent] = [STTErrorEvent(error=ValueError("x")), TTSAudioEvent(audio_data=b"ab")]
    assert calculate_stt_metrics(events) == {"total_transcripts": 0}


def test_stt_counts_ignore_error_events() -> None:
    events: list[BaseEvent] = [
        STTTranscriptEvent(text="First transcript", is_final=True),
        STTTranscriptEvent(text="Second transcript", is_final=True),
        STTPartialTranscriptEvent(text="Partial transcript", is_final=False),
        STTErrorEvent(error=Exception("Test error")),
    ]
    metrics = calculate_stt_metrics(events)
    assert metrics == {"total_transcripts": 3, "final_transcripts": 2, "partial_transcripts": 1}


def test_stt_final_count_follows_is_final_not_the_class() -> None:
    events = [
        STTPartialTranscriptEvent(text="done", is_final=True),
        STTTranscriptEvent(text="not yet", is_final=False),
    ]
    metrics = calculate_stt_metrics(events)
    assert (metrics["final_transcripts"], metrics["partial_transcripts"]) == (1, 1)


def test_stt_processing_time_statistics() -> None:
    events = [
        STTTranscriptEvent(text="Fast", processing_time_ms=50.0),
        STTTranscriptEvent(text="Medium", processing_time_ms=100.0),
        STTTranscriptEvent(text="Slow", processing_time_ms=200.0),
        STTPartialTranscriptEvent(text="Partial", processing_time_ms=75.0),
    ]
    metrics = calculate_stt_metrics(events)
    assert metrics["total_transcripts"] == 4
    assert metrics["avg_processing_time_ms"] == 106.25
    assert metrics["min_processing_time_ms"] == 50.0
    assert metrics["max_processing_time_ms"] == 200.0


def test_stt_confidence_statistics() -> None:
    events = [
        STTTranscriptEvent(text="High confidence", confidence=0.95),
        STTTranscriptEvent(text="Medium confidence", confidence=0.75),
        STTTranscriptEvent(text="Low confidence", confidence=0.55),
        STTPartialTranscriptEvent(text="Partial", confidence=0.80),
    ]
    metrics = calculate_stt_metrics(events)
    assert metrics["avg_confidence"] == 0.7625
    assert metrics["min_confidence"] == 0.55
    assert metrics["max_confidence"] == 0.95
    assert "avg_processing_time_ms" not in metrics
    assert "p50_confidence" not in metrics


def test_stt_mixed_data_uses_only_given_values() -> None:
    events = [
        STTTranscriptEvent(text="Complete", confidence=0.9, processing_time_ms=100.0),
        STTTranscriptEvent(text="No confidence", processing_time_ms=150.0),
        STTTranscriptEvent(text="No processing time", confidence=0.8),
        STTPartialTranscriptEvent(text="Partial only"),
    ]
    metrics = calculate_stt_metrics(events)
    counts = (metrics["total_transcripts"], metrics["final_transcripts"], metrics["partial_transcripts"])
    assert counts == (4, 3, 1)
    assert metrics["avg_processing_time_ms"] == 125.0
    assert metrics["min_processing_time_ms"] == 100.0
    assert metrics["max_processing_time_ms"] == 150.0
    assert metrics["avg_confidence"] == pytest.approx(0.85)
    assert metrics["min_confidence"] == 0.8
    assert metrics["max_confidence"] == 0.9


def test_stt_zero_processing_time_is_excluded_like_upstream() -> None:
    events = [
        STTTranscriptEvent(text="unmeasured", processing_time_ms=0.0),
        STTTranscriptEvent(text="measured", processing_time_ms=100.0),
    ]
    metrics = calculate_stt_metrics(events)
    assert metrics["avg_processing_time_ms"] == 100.0
    assert metrics["min_processing_time_ms"] == 100.0
    assert metrics["p50_processing_time_ms"] == 100.0


def test_stt_only_zero_processing_times_give_no_time_keys() -> None:
    metrics = calculate_stt_metrics([STTTranscriptEvent(text="a", processing_time_ms=0.0)])
    assert metrics == {"total_transcripts": 1, "final_transcripts": 1, "partial_transcripts": 0}


def test_stt_zero_confidence_is_kept() -> None:
    """Only processing time has the truthiness rule; a confidence of 0.0 is a real value."""
    events = [STTTranscriptEvent(text="a", confidence=0.0), STTTranscriptEvent(text="b", confidence=1.0)]
    metrics = calculate_stt_metrics(events)
    assert (metrics["avg_confidence"], metrics["min_confidence"]) == (0.5, 0.0)


def test_stt_processing_time_percentiles() -> None:
    events = [STTTranscriptEvent(text=f"t{i}", processing_time_ms=float(i)) for i in range(1, 101)]
    metrics = calculate_stt_metrics(events)
    assert metrics["p50_processing_time_ms"] == pytest.approx(50.5)
    assert metrics["p95_processing_time_ms"] == pytest.approx(95.05)
    assert metrics["p99_processing_time_ms"] == pytest.approx(99.01)


def test_spec_performance_metrics_example() -> None:
    """The spec's usage: ``EventMetrics.calculate_stt_metrics(stt_events)`` and three keys read."""
    stt_events: list[BaseEvent] = [
        STTTranscriptEvent(text="hello world", confidence=0.9, processing_time_ms=120.0),
        STTPartialTranscriptEvent(text="hello", confidence=0.7, processing_time_ms=40.0),
    ]
    metrics = EventMetrics.calculate_stt_metrics(stt_events)
    assert f"{metrics['avg_processing_time_ms']}ms" == "80.0ms"
    assert metrics["avg_confidence"] == pytest.approx(0.8)
    assert metrics["total_transcripts"] == 2


# --------------------------------------------------------------------------------------------- TTS


def test_tts_empty_input_gives_three_zero_counts() -> None:
    expected = {"total_audio_chunks": 0, "total_syntheses": 0, "completed_syntheses": 0}
    assert calculate_tts_metrics([]) == expected


def test_tts_counts_ignore_error_events() -> None:
    events: list[BaseEvent] = [
        TTSAudioEvent(audio_data=b"chunk1"),
        TTSAudioEvent(audio_data=b"chunk2"),
        TTSSynthesisStartEvent(text="Start synthesis"),
        TTSSynthesisCompleteEvent(synthesis_id="synth1"),
        TTSErrorEvent(error=Exception("TTS error")),
    ]
    metrics = calculate_tts_metrics(events)
    assert metrics["total_audio_chunks"] == 2
    assert metrics["total_syntheses"] == 1
    assert metrics["completed_syntheses"] == 1


def test_tts_synthesis_time_statistics() -> None:
    events = [
        TTSSynthesisCompleteEvent(synthesis_id="fast", synthesis_time_ms=100.0),
        TTSSynthesisCompleteEvent(synthesis_id="medium", synthesis_time_ms=200.0),
        TTSSynthesisCompleteEvent(synthesis_id="slow", synthesis_time_ms=300.0),
    ]
    metrics = calculate_tts_metrics(events)
    assert metrics["completed_syntheses"] == 3
    assert metrics["avg_synthesis_time_ms"] == 200.0
    assert metrics["min_synthesis_time_ms"] == 100.0
    assert metrics["max_synthesis_time_ms"] == 300.0
    assert metrics["p50_synthesis_time_ms"] == 200.0
    assert metrics["p95_synthesis_time_ms"] == pytest.approx(_reference_percentile([100.0, 200.0, 300.0], 95))
    assert "avg_real_time_factor" not in metrics


def test_tts_default_zero_synthesis_time_is_included_like_upstream() -> None:
    events = [TTSSynthesisCompleteEvent(synthesis_id="a"), TTSSynthesisCompleteEvent(synthesis_time_ms=300.0)]
    metrics = calculate_tts_metrics(events)
    assert metrics["min_synthesis_time_ms"] == 0.0
    assert metrics["avg_synthesis_time_ms"] == 150.0


def test_tts_none_real_time_factors_are_skipped() -> None:
    events = [
        TTSSynthesisCompleteEvent(synthesis_id="rt1", real_time_factor=0.5),
        TTSSynthesisCompleteEvent(synthesis_id="rt2", real_time_factor=1.0),
        TTSSynthesisCompleteEvent(synthesis_id="rt3", real_time_factor=1.5),
        TTSSynthesisCompleteEvent(synthesis_id="rt4"),
    ]
    metrics = calculate_tts_metrics(events)
    assert metrics["completed_syntheses"] == 4
    assert metrics["avg_real_time_factor"] == 1.0
    assert metrics["min_real_time_factor"] == 0.5
    assert metrics["max_real_time_factor"] == 1.5
    assert metrics["p50_real_time_factor"] == 1.0
    assert metrics["p99_real_time_factor"] == pytest.approx(_reference_percentile([0.5, 1.0, 1.5], 99))


# --------------------------------------------------------------------------------------------- VAD


def test_vad_empty_input_gives_two_zero_counts() -> None:
    assert calculate_vad_metrics([]) == {"total_speech_segments": 0, "total_partial_events": 0}


def test_vad_counts_ignore_error_events() -> None:
    events: list[BaseEvent] = [
        VADAudioEvent(audio_data=b"speech1"),
        VADAudioEvent(audio_data=b"speech2"),
        VADPartialEvent(speech_probability=0.8),
        VADPartialEvent(speech_probability=0.9),
        VADErrorEvent(error=Exception("VAD error")),
    ]
    metrics = calculate_vad_metrics(events)
    assert metrics == {"total_speech_segments": 2, "total_partial_events": 2}


def test_vad_durations_and_probabilities() -> None:
    events = [
        VADAudioEvent(audio_data=b"short", duration_ms=500.0, speech_probability=0.8),
        VADAudioEvent(audio_data=b"medium", duration_ms=1000.0, speech_probability=0.9),
        VADAudioEvent(audio_data=b"long", duration_ms=2000.0, speech_probability=0.95),
    ]
    metrics = calculate_vad_metrics(events)
    assert metrics["total_speech_segments"] == 3
    assert metrics["avg_speech_duration_ms"] == pytest.approx(3500.0 / 3)
    assert metrics["total_speech_duration_ms"] == 3500.0
    assert metrics["avg_speech_probability"] == pytest.approx((0.8 + 0.9 + 0.95) / 3)
    assert metrics["p50_speech_duration_ms"] == 1000.0


def test_vad_partials_are_excluded_from_probability() -> None:
    events: list[BaseEvent] = [
        VADAudioEvent(audio_data=b"complete", duration_ms=1000.0, speech_probability=0.9),
        VADAudioEvent(audio_data=b"no_duration", speech_probability=0.8),
        VADAudioEvent(audio_data=b"no_probability", duration_ms=1500.0),
        VADPartialEvent(speech_probability=0.7, duration_ms=99999.0),
    ]
    metrics = calculate_vad_metrics(events)
    assert metrics["total_speech_segments"] == 3
    assert metrics["total_partial_events"] == 1
    assert metrics["avg_speech_duration_ms"] == 1250.0
    assert metrics["total_speech_duration_ms"] == 2500.0
    assert metrics["avg_speech_probability"] == pytest.approx(0.85)


def test_vad_segments_without_values_give_only_counts() -> None:
    events: list[BaseEvent] = [VADAudioEvent(audio_data=b"x"), VADPartialEvent(speech_probability=0.5)]
    assert calculate_vad_metrics(events) == {"total_speech_segments": 1, "total_partial_events": 1}


def test_vad_speech_duration_percentiles() -> None:
    durations = [float(d) for d in range(10, 1010, 10)]  # 10 .. 1000 ms
    metrics = calculate_vad_metrics(VADAudioEvent(duration_ms=d) for d in durations)
    for q in (50, 95, 99):
        assert metrics[f"p{q}_speech_duration_ms"] == pytest.approx(_reference_percentile(durations, q))
    assert "p50_speech_probability" not in metrics


def test_realistic_event_sequence() -> None:
    events = _realistic_events()
    stt = calculate_stt_metrics(events)
    assert (stt["total_transcripts"], stt["final_transcripts"], stt["partial_transcripts"]) == (3, 2, 1)
    assert stt["avg_processing_time_ms"] == 90.0
    assert stt["avg_confidence"] == pytest.approx((0.95 + 0.85 + 0.92) / 3)
    tts = calculate_tts_metrics(events)
    assert (tts["total_audio_chunks"], tts["total_syntheses"], tts["completed_syntheses"]) == (2, 1, 1)
    assert tts["avg_synthesis_time_ms"] == 200.0
    assert tts["avg_real_time_factor"] == 0.8
    vad = calculate_vad_metrics(events)
    assert (vad["total_speech_segments"], vad["total_partial_events"]) == (2, 1)
    assert vad["avg_speech_duration_ms"] == pytest.approx(1000.0)
    assert vad["total_speech_duration_ms"] == 2000.0
    assert vad["avg_speech_probability"] == pytest.approx(0.925)


# ------------------------------------------------------------------------------------- percentiles


def test_percentiles_of_1_to_100() -> None:
    result = percentiles(range(1, 101))
    assert list(result) == ["p50", "p95", "p99"]
    assert result["p50"] == pytest.approx(50.5)
    assert result["p95"] == pytest.approx(95.05)
    assert result["p99"] == pytest.approx(99.01)


def test_percentiles_of_nothing_is_empty() -> None:
    assert percentiles([]) == {}
    assert percentiles([math.nan]) == {}


def test_percentiles_custom_qs_and_key_names() -> None:
    result = percentiles([3.0, 1.0, 2.0], qs=(0, 50.0, 99.9, 100))
    assert result == {"p0": 1.0, "p50": 2.0, "p99.9": pytest.approx(2.998), "p100": 3.0}


def test_percentiles_skip_nan_and_refuse_infinity() -> None:
    assert percentiles([1.0, math.nan, 3.0]) == percentiles([1.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        percentiles([1.0, math.inf])


def test_percentiles_accept_arrays_and_generators_and_return_floats() -> None:
    from_array = percentiles(np.arange(1, 11, dtype=np.int16))
    from_generator = percentiles(float(i) for i in range(1, 11))
    assert from_array == from_generator
    _assert_plain(from_array)


@given(
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200),
    st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=5, unique=True),
)
def test_percentiles_match_a_hand_written_reference(values: list[float], qs: list[float]) -> None:
    result = percentiles(values, qs)
    for q in qs:
        assert result[f"p{q:g}"] == pytest.approx(_reference_percentile(values, q), rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------------------------- STS


def test_sts_empty_input_gives_every_count_as_zero() -> None:
    metrics = calculate_sts_metrics([])
    assert set(metrics) == STS_KEYS
    assert all(value == 0 for value in metrics.values())


def test_sts_counts_every_kind_of_event() -> None:
    events: list[BaseEvent] = [
        STSConnectedEvent(provider="openai"),
        STSTranscriptEvent(text="hi", is_user=True),
        STSTranscriptEvent(text="how can I help", is_user=False),
        STSTranscriptEvent(text="weather?", is_user=True),
        STSResponseEvent(text="sun", is_complete=False),
        STSResponseEvent(text="sunny", is_complete=True),
        STSConversationItemEvent(item_id="i1", role="user"),
        STSAudioInputEvent(audio_data=b"\x00" * 320),
        create_event(EventType.STS_AUDIO_INPUT, audio_data=np.zeros(80, dtype=np.int16)),
        STSAudioInputEvent(audio_data=None),
        create_event(EventType.STS_AUDIO_OUTPUT, audio_data=np.zeros((10, 2), dtype=np.float32)),
        STSAudioOutputEvent(audio_data=b"\x01" * 100, response_id="r1"),
        STSErrorEvent(error=RuntimeError("rate limited")),
        STSDisconnectedEvent(reason="bye"),
        STTTranscriptEvent(text="not STS"),
        PluginErrorEvent(error=RuntimeError("not STS")),
    ]
    assert calculate_sts_metrics(events) == {
        "total_connections": 1,
        "total_disconnections": 1,
        "total_transcripts": 3,
        "user_transcripts": 2,
        "assistant_transcripts": 1,
        "total_responses": 2,
        "complete_responses": 1,
        "incomplete_responses": 1,
        "total_conversation_items": 1,
        "audio_input_chunks": 3,
        "audio_input_bytes": 320 + 160,
        "audio_output_chunks": 2,
        "audio_output_bytes": 10 * 2 * 4 + 100,
        "total_errors": 1,
    }


# ------------------------------------------------------------------------------------------ errors


def test_error_metrics_of_nothing() -> None:
    expected = {"total_events": 0, "total_errors": 0, "error_rate": 0.0, "by_plugin": {}}
    assert calculate_error_metrics([]) == expected


def test_error_metrics_per_plugin_with_unknown_for_none() -> None:
    events: list[BaseEvent] = [
        STTTranscriptEvent(text="a", plugin_name="deepgram"),
        STTTranscriptEvent(text="b", plugin_name="deepgram"),
        STTTranscriptEvent(text="c", plugin_name="deepgram"),
        STTErrorEvent(error=RuntimeError("x"), plugin_name="deepgram"),
        TTSAudioEvent(audio_data=b"ab", plugin_name="kokoro"),
        VADErrorEvent(error=RuntimeError("y")),
        PluginInitializedEvent(plugin_type="VAD"),
    ]
    metrics = calculate_error_metrics(events)
    assert metrics == {
        "total_events": 7,
        "total_errors": 2,
        "error_rate": 2 / 7,
        "by_plugin": {
            "deepgram": {"events": 4, "errors": 1, "error_rate": 0.25},
            "kokoro": {"events": 1, "errors": 0, "error_rate": 0.0},
            "unknown": {"events": 2, "errors": 1, "error_rate": 0.5},
        },
    }


def test_error_metrics_count_every_error_event_type() -> None:
    error_types = sorted(ERROR_EVENT_TYPES, key=lambda t: t.value)
    events = [create_event(t, error=RuntimeError(t.value)) for t in error_types]
    events.append(create_event(EventType.STT_CONNECTION))
    metrics = calculate_error_metrics(events)
    assert metrics["total_errors"] == len(ERROR_EVENT_TYPES) == 5
    assert metrics["total_events"] == 6
    assert metrics["by_plugin"]["unknown"]["errors"] == 5


@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.booleans()), max_size=60))
def test_error_metrics_rates_are_shares_and_add_up(spec: list[tuple[str | None, bool]]) -> None:
    events: list[BaseEvent] = [
        STTErrorEvent(plugin_name=name) if is_error else STTTranscriptEvent(text="t", plugin_name=name)
        for name, is_error in spec
    ]
    metrics = calculate_error_metrics(events)
    assert 0.0 <= metrics["error_rate"] <= 1.0
    assert sum(p["events"] for p in metrics["by_plugin"].values()) == metrics["total_events"] == len(spec)
    assert sum(p["errors"] for p in metrics["by_plugin"].values()) == metrics["total_errors"]
    for name, plugin in metrics["by_plugin"].items():
        expected = [err for n, err in spec if (n or "unknown") == name]
        assert plugin["events"] == len(expected)
        assert plugin["error_rate"] == pytest.approx(sum(expected) / len(expected))


# ------------------------------------------------------------------------------------------ common


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_generator_input_gives_the_same_result_as_a_list(function: MetricFunction) -> None:
    def generate() -> Iterator[BaseEvent]:
        yield from _realistic_events()

    from_list = function(_realistic_events())
    from_generator = function(generate())
    # event ids differ between the two calls, but no metric depends on them
    assert json.dumps(from_generator, sort_keys=True) == json.dumps(from_list, sort_keys=True)


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("events", [[], _realistic_events()], ids=["empty", "realistic"])
def test_every_result_is_plain_json(function: MetricFunction, events: list[BaseEvent]) -> None:
    result = function(events)
    _assert_plain(result)
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_event_metrics_static_methods_are_the_module_functions() -> None:
    assert EventMetrics.calculate_stt_metrics is calculate_stt_metrics
    assert EventMetrics.calculate_tts_metrics is calculate_tts_metrics
    assert EventMetrics.calculate_vad_metrics is calculate_vad_metrics
    assert EventMetrics.calculate_sts_metrics is calculate_sts_metrics
    assert EventMetrics.calculate_error_metrics is calculate_error_metrics
    assert EventMetrics.percentiles is percentiles
    assert EventMetrics().calculate_tts_metrics([]) == calculate_tts_metrics([])
