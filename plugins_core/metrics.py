"""Performance metrics computed from recorded events.

The STT, TTS and VAD functions return exactly the keys upstream returns (same names, same rules for
which values count), so code written against upstream keeps working; they add p50/p95/p99 keys,
because averages hide the slow tail that a voice pipeline is judged by. Each function accepts any
iterable of events (a registry query, a list, a generator), skips event types that are not its own,
and returns plain ``int``/``float`` values only, never numpy scalars, so results go to
``json.dumps`` unchanged. Values are gathered into one numpy array per field, missing values as NaN,
and every statistic is a single vectorized numpy call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from plugins_core.events import (
    ERROR_EVENT_TYPES,
    BaseEvent,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSErrorEvent,
    STSResponseEvent,
    STSTranscriptEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADPartialEvent,
)

__all__ = [
    "ErrorMetrics",
    "EventMetrics",
    "PluginErrorMetrics",
    "calculate_error_metrics",
    "calculate_sts_metrics",
    "calculate_stt_metrics",
    "calculate_tts_metrics",
    "calculate_vad_metrics",
    "percentiles",
]

_FloatArray = npt.NDArray[np.float64]

#: Percentiles added to every timing series: the median and the tail that users notice.
_DEFAULT_QS: tuple[float, ...] = (50, 95, 99)

#: Name under which events without a ``plugin_name`` are counted.
_UNKNOWN_PLUGIN = "unknown"


class PluginErrorMetrics(TypedDict):
    """Event and error counts of one plugin."""

    events: int
    errors: int
    error_rate: float


class ErrorMetrics(TypedDict):
    """Result of :func:`calculate_error_metrics`; ``by_plugin`` is keyed by plugin name, sorted."""

    total_events: int
    total_errors: int
    error_rate: float
    by_plugin: dict[str, PluginErrorMetrics]


def _column(values: Iterable[float | None]) -> _FloatArray:
    """One float64 array per field, None stored as NaN, so a missing value is masked in one step."""
    return np.fromiter((math.nan if v is None else v for v in values), dtype=np.float64)


def _present(column: _FloatArray) -> _FloatArray:
    """The values that were given (not None)."""
    return column[~np.isnan(column)]


def _percentile_key(q: float) -> str:
    """``50 -> "p50"``, ``99.9 -> "p99.9"``: short keys that read the same whatever the type of q."""
    return f"p{q:g}"


def percentiles(values: Iterable[float], qs: Sequence[float] = _DEFAULT_QS) -> dict[str, float]:
    """Percentiles of ``values`` as ``{"p50": .., "p95": .., "p99": ..}`` (numpy's linear method).

    NaN counts as a missing value and is skipped, as None is in the metric functions. No values
    give ``{}``: there is no meaningful percentile of nothing. Infinite values raise ValueError,
    because they would make every upper percentile meaningless and the result invalid JSON.
    """
    if isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=np.float64).ravel()
    else:
        array = np.fromiter(values, dtype=np.float64)
    array = _present(array)
    if array.size == 0:
        return {}
    if not np.isfinite(array).all():
        raise ValueError("percentiles() needs finite values; got an infinity")
    result = np.percentile(array, np.asarray(qs, dtype=np.float64))
    return {_percentile_key(q): float(v) for q, v in zip(qs, np.atleast_1d(result).tolist(), strict=True)}


def _avg_min_max(name: str, values: _FloatArray) -> dict[str, int | float]:
    """Upstream's ``avg_``/``min_``/``max_`` keys for one non-empty series."""
    return {
        f"avg_{name}": float(np.mean(values)),
        f"min_{name}": float(np.min(values)),
        f"max_{name}": float(np.max(values)),
    }


def _percentile_keys(name: str, values: _FloatArray) -> dict[str, int | float]:
    """``p50_<name>``, ``p95_<name>``, ``p99_<name>`` for one non-empty series."""
    return {f"{key}_{name}": value for key, value in percentiles(values).items()}


def calculate_stt_metrics(events: Iterable[BaseEvent]) -> dict[str, int | float]:
    """Counts, processing times and confidences of final and partial STT transcripts.

    With no transcript events the result is exactly ``{"total_transcripts": 0}``, as upstream.
    Processing times follow upstream's truthiness rule: None *and* ``0.0`` are left out, because
    providers that do not measure the time report 0.0, and a 0 ms STT result is not a real one;
    counting those would drag the average and the percentiles towards zero.
    """
    transcripts = [e for e in events if isinstance(e, (STTTranscriptEvent, STTPartialTranscriptEvent))]
    if not transcripts:
        return {"total_transcripts": 0}
    total = len(transcripts)
    finals = int(np.count_nonzero(np.fromiter((bool(e.is_final) for e in transcripts), dtype=np.bool_)))
    metrics: dict[str, int | float] = {
        "total_transcripts": total,
        "final_transcripts": finals,
        "partial_transcripts": total - finals,
    }
    times = _column(e.processing_time_ms for e in transcripts)
    times = times[times > 0]  # NaN (None) and 0.0 both fail this: upstream's "truthy" rule
    if times.size:
        metrics.update(_avg_min_max("processing_time_ms", times))
        metrics.update(_percentile_keys("processing_time_ms", times))
    confidences = _present(_column(e.confidence for e in transcripts))
    if confidences.size:
        metrics.update(_avg_min_max("confidence", confidences))
    return metrics


def calculate_tts_metrics(events: Iterable[BaseEvent]) -> dict[str, int | float]:
    """Chunk and synthesis counts, synthesis times and real-time factors of TTS events.

    The three count keys are always present (all 0 for no events). Synthesis times are taken from
    every completion event, default 0.0 included, as upstream does; real-time factors only where
    they are not None.
    """
    chunks = 0
    starts = 0
    completions: list[TTSSynthesisCompleteEvent] = []
    for event in events:
        if isinstance(event, TTSAudioEvent):
            chunks += 1
        elif isinstance(event, TTSSynthesisStartEvent):
            starts += 1
        elif isinstance(event, TTSSynthesisCompleteEvent):
            completions.append(event)
    metrics: dict[str, int | float] = {
        "total_audio_chunks": chunks,
        "total_syntheses": starts,
        "completed_syntheses": len(completions),
    }
    if completions:
        times = _column(e.synthesis_time_ms for e in completions)
        metrics.update(_avg_min_max("synthesis_time_ms", times))
        metrics.update(_percentile_keys("synthesis_time_ms", times))
        factors = _present(_column(e.real_time_factor for e in completions))
        if factors.size:
            metrics.update(_avg_min_max("real_time_factor", factors))
            metrics.update(_percentile_keys("real_time_factor", factors))
    return metrics


def calculate_vad_metrics(events: Iterable[BaseEvent]) -> dict[str, int | float]:
    """Speech segment counts, durations and probabilities of VAD events.

    ``total_speech_segments`` and ``total_partial_events`` are always present. Durations and the
    average probability come from complete segments (``VADAudioEvent``) only, skipping None:
    partial events repeat the audio of a segment still growing, so counting them would weigh each
    utterance once per partial.
    """
    segments: list[VADAudioEvent] = []
    partials = 0
    for event in events:
        if isinstance(event, VADAudioEvent):
            segments.append(event)
        elif isinstance(event, VADPartialEvent):
            partials += 1
    metrics: dict[str, int | float] = {
        "total_speech_segments": len(segments),
        "total_partial_events": partials,
    }
    if segments:
        durations = _present(_column(e.duration_ms for e in segments))
        if durations.size:
            metrics["avg_speech_duration_ms"] = float(np.mean(durations))
            metrics["total_speech_duration_ms"] = float(np.sum(durations))
            metrics.update(_percentile_keys("speech_duration_ms", durations))
        probabilities = _present(_column(e.speech_probability for e in segments))
        if probabilities.size:
            metrics["avg_speech_probability"] = float(np.mean(probabilities))
    return metrics


def calculate_sts_metrics(events: Iterable[BaseEvent]) -> dict[str, int | float]:
    """Counts of a speech-to-speech session: connections, transcripts, responses, audio, errors.

    Every key is always present (zeros for no events), so a dashboard can show a fixed table.
    Audio bytes count the audio an event still holds: a payload evicted to bound memory counts 0.
    """
    connections = disconnections = conversation_items = errors = 0
    user_transcripts = assistant_transcripts = 0
    complete_responses = incomplete_responses = 0
    input_sizes: list[int] = []
    output_sizes: list[int] = []
    for event in events:
        if isinstance(event, STSAudioInputEvent):
            input_sizes.append(event.audio_size_bytes)
        elif isinstance(event, STSAudioOutputEvent):
            output_sizes.append(event.audio_size_bytes)
        elif isinstance(event, STSTranscriptEvent):
            if event.is_user:
                user_transcripts += 1
            else:
                assistant_transcripts += 1
        elif isinstance(event, STSResponseEvent):
            if event.is_complete:
                complete_responses += 1
            else:
                incomplete_responses += 1
        elif isinstance(event, STSConversationItemEvent):
            conversation_items += 1
        elif isinstance(event, STSConnectedEvent):
            connections += 1
        elif isinstance(event, STSDisconnectedEvent):
            disconnections += 1
        elif isinstance(event, STSErrorEvent):
            errors += 1
    input_bytes = np.asarray(input_sizes, dtype=np.int64)
    output_bytes = np.asarray(output_sizes, dtype=np.int64)
    return {
        "total_connections": connections,
        "total_disconnections": disconnections,
        "total_transcripts": user_transcripts + assistant_transcripts,
        "user_transcripts": user_transcripts,
        "assistant_transcripts": assistant_transcripts,
        "total_responses": complete_responses + incomplete_responses,
        "complete_responses": complete_responses,
        "incomplete_responses": incomplete_responses,
        "total_conversation_items": conversation_items,
        "audio_input_chunks": int(input_bytes.size),
        "audio_input_bytes": int(input_bytes.sum()),
        "audio_output_chunks": int(output_bytes.size),
        "audio_output_bytes": int(output_bytes.sum()),
        "total_errors": errors,
    }


def _rate(errors: int, total: int) -> float:
    """Share of errors in [0, 1]; 0.0 when there is nothing to divide."""
    return errors / total if total else 0.0


def calculate_error_metrics(events: Iterable[BaseEvent]) -> ErrorMetrics:
    """Error counts and rates, overall and per plugin, over events of every type.

    An error event is one whose type is in ``ERROR_EVENT_TYPES``. Events without a plugin name are
    counted under ``"unknown"`` so that no event is lost from the per-plugin table and the
    per-plugin counts always add up to the totals.
    """
    names: list[str] = []
    flags: list[bool] = []
    for event in events:
        names.append(event.plugin_name if event.plugin_name is not None else _UNKNOWN_PLUGIN)
        flags.append(event.event_type in ERROR_EVENT_TYPES)
    total = len(names)
    if not total:
        return {"total_events": 0, "total_errors": 0, "error_rate": 0.0, "by_plugin": {}}
    is_error = np.asarray(flags, dtype=np.bool_)
    plugins, index = np.unique(np.asarray(names, dtype=np.str_), return_inverse=True)
    per_plugin_events = np.bincount(index, minlength=plugins.size).tolist()
    per_plugin_errors = np.bincount(index[is_error], minlength=plugins.size).tolist()
    errors = int(np.count_nonzero(is_error))
    by_plugin: dict[str, PluginErrorMetrics] = {
        str(name): {"events": n, "errors": m, "error_rate": _rate(m, n)}
        for name, n, m in zip(plugins.tolist(), per_plugin_events, per_plugin_errors, strict=True)
    }
    return {
        "total_events": total,
        "total_errors": errors,
        "error_rate": _rate(errors, total),
        "by_plugin": by_plugin,
    }


class EventMetrics:
    """The metric functions grouped as static methods, as in the spec's usage example.

    ``EventMetrics.calculate_stt_metrics(events)`` is the same function as the module-level one.
    """

    calculate_stt_metrics = staticmethod(calculate_stt_metrics)
    calculate_tts_metrics = staticmethod(calculate_tts_metrics)
    calculate_vad_metrics = staticmethod(calculate_vad_metrics)
    calculate_sts_metrics = staticmethod(calculate_sts_metrics)
    calculate_error_metrics = staticmethod(calculate_error_metrics)
    percentiles = staticmethod(percentiles)
