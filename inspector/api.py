"""The JSON API: fixed paths and shapes that scripts, CI jobs and other tools can rely on.

Success bodies carry ``"ok": true``; errors are ``{"ok": false, "error": "...", "status": N}`` with
a message that names the bad parameter and value.
"""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from inspector.errors import ApiError
from inspector.eventjson import event_json
from inspector.query import parse_query
from inspector.state import state_of
from inspector.stream import stream_response
from inspector.urls import URLs
from plugins_core import (
    AudioFormat,
    EventFilter,
    EventType,
    PcmData,
    RegisteredEvent,
    __version__,
    calculate_error_metrics,
    calculate_sts_metrics,
    calculate_stt_metrics,
    calculate_tts_metrics,
    calculate_vad_metrics,
    percentiles,
    write_ndjson,
)

__all__ = ["collect_stats", "routes"]


def ok(payload: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({"ok": True, **payload}, status_code=status)


async def health(request: Request) -> JSONResponse:
    state = state_of(request)
    return ok(
        {
            "version": __version__,
            "uptime_s": time.time() - state.started_at,
            "last_seq": state.registry.last_seq,
            "buffered_events": len(state.registry),
        }
    )


async def sessions(request: Request) -> JSONResponse:
    return ok({"sessions": state_of(request).tracker.session_list()})


async def session_detail(request: Request) -> JSONResponse:
    session_id = request.path_params["session_id"]
    summary = state_of(request).tracker.session(session_id)
    if summary is None:
        raise ApiError(404, f"session_id={session_id!r}: no such session")
    return ok({"session": summary})


def collect_stats(request: Request) -> dict[str, Any]:
    """Registry statistics, error rates, metrics over the newest events that match the filters,
    turn latencies and stream health: what /api/stats and the stats panel show."""
    state = state_of(request)
    query = parse_query(request.query_params)
    window = state.settings.metrics_window

    def newest(*types: EventType) -> list[Any]:
        flt = _narrow(query.filter, types)
        return state.registry.get_events(flt, limit=window) if flt is not None else []

    stats = state.registry.get_statistics()
    scoped = state.registry.get_events(query.filter, limit=window * 4)
    return {
        "statistics": stats,
        "errors": calculate_error_metrics(scoped),
        "metrics": {
            "stt": calculate_stt_metrics(newest(EventType.STT_TRANSCRIPT, EventType.STT_PARTIAL_TRANSCRIPT)),
            "tts": calculate_tts_metrics(
                newest(EventType.TTS_AUDIO, EventType.TTS_SYNTHESIS_START, EventType.TTS_SYNTHESIS_COMPLETE)
            ),
            "vad": calculate_vad_metrics(newest(EventType.VAD_AUDIO, EventType.VAD_PARTIAL))
            | _vad_durations(newest(EventType.VAD_SPEECH_END)),
            "sts": calculate_sts_metrics(newest(*[t for t in EventType if t.family == "sts"])),
        },
        "events_per_second": state.tracker.events_per_second(),
        "turns": state.tracker.turn_stats(),
        "stream": state.hub.stats(),
        "tracker": {
            "missed_events": state.tracker.missed_events,
            "dropped_sessions": state.tracker.dropped_sessions,
        },
        "window": window,
    }


def _narrow(flt: EventFilter, types: tuple[EventType, ...]) -> EventFilter | None:
    """The request's filter restricted to ``types`` (None when it excludes them all)."""
    wanted = set(types) & flt.event_types if flt.event_types is not None else set(types)
    if not wanted:
        return None
    return EventFilter(
        event_types=wanted,
        session_ids=flt.session_ids,
        plugin_names=flt.plugin_names,
        time_window_ms=flt.time_window_ms,
        min_confidence=flt.min_confidence,
        text_contains=flt.text_contains,
        start_time=flt.start_time,
        end_time=flt.end_time,
        errors_only=flt.errors_only,
    )


def _vad_durations(ends: list[Any]) -> dict[str, Any]:
    found = percentiles((e.total_speech_duration_ms for e in ends), (50, 95))
    if not found:
        return {}
    return {
        "speech_segments_ended": len(ends),
        "p50_segment_ms": found["p50"],
        "p95_segment_ms": found["p95"],
    }


async def stats(request: Request) -> JSONResponse:
    return ok(collect_stats(request))


async def events(request: Request) -> JSONResponse:
    query = parse_query(request.query_params)
    registry = state_of(request).registry
    urls = URLs.of(request)
    last_seq = registry.last_seq
    entries = registry.query(
        query.filter, query.limit or None, after_seq=query.after, before_seq=query.before
    )
    return ok(
        {
            "events": [event_json(e, urls) for e in entries],
            "count": len(entries),
            "limit": query.limit,
            "last_seq": last_seq,
            "query": query.query_string(),
        }
    )


def _entry(request: Request) -> RegisteredEvent:
    event_id = request.path_params["event_id"]
    entry = state_of(request).registry.get_registered(event_id)
    if entry is None:
        raise ApiError(404, f"event_id={event_id!r}: not buffered (never seen, or evicted)")
    return entry


async def event_detail(request: Request) -> JSONResponse:
    return ok({"event": event_json(_entry(request), URLs.of(request))})


def _pcm_of(event: Any) -> PcmData:
    if not event.event_type.has_audio:
        raise ApiError(422, f"event_type={event.event_type.value!r}: this event carries no audio")
    if event.audio_evicted:
        raise ApiError(410, f"event_id={event.event_id!r}: its audio was evicted (audio budget reached)")
    if not event.audio_data:
        raise ApiError(422, f"event_id={event.event_id!r}: no audio data")
    if event.audio_format not in (AudioFormat.PCM_S16, AudioFormat.PCM_F32):
        raise ApiError(422, f"audio_format={event.audio_format.value!r}: only PCM can be played here")
    return PcmData.from_bytes(event.audio_data, event.sample_rate, event.audio_format, event.channels)


def _wav(pcm: PcmData, name: str) -> Response:
    return Response(
        pcm.to_wav_bytes(),
        media_type="audio/wav",
        headers={"Content-Disposition": f'inline; filename="{name}.wav"', "Cache-Control": "no-store"},
    )


async def event_audio(request: Request) -> Response:
    entry = _entry(request)
    return _wav(_pcm_of(entry.event), entry.event.event_id)


async def synthesis_audio(request: Request) -> Response:
    synthesis_id = request.path_params["synthesis_id"]
    tts_audio: list[Any] = state_of(request).registry.get_events(EventFilter([EventType.TTS_AUDIO]))
    chunks = [e for e in tts_audio if e.synthesis_id == synthesis_id]
    if not chunks:
        raise ApiError(404, f"synthesis_id={synthesis_id!r}: no buffered audio chunks")
    chunks.sort(key=lambda e: e.chunk_index)
    evicted = [e.chunk_index for e in chunks if e.audio_evicted]
    if evicted:
        raise ApiError(410, f"synthesis_id={synthesis_id!r}: audio of chunks {evicted} was evicted")
    pieces = [_pcm_of(e) for e in chunks]
    first = pieces[0]
    joined = PcmData(
        np.concatenate([p.resample(first.sample_rate).samples for p in pieces]),
        first.sample_rate,
        first.format,
    )
    return _wav(joined, synthesis_id)


async def export_ndjson(request: Request) -> StreamingResponse:
    """The matching events (audio included) as NDJSON that ``plugins_core.read_ndjson`` loads back."""
    query = parse_query(request.query_params, default_limit=0)
    found = state_of(request).registry.get_events(query.filter, query.limit or None)
    buffer = io.StringIO()
    write_ndjson(found, buffer)
    return StreamingResponse(
        iter([buffer.getvalue()]),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="events.ndjson"'},
    )


async def clear(request: Request) -> JSONResponse:
    registry = state_of(request).registry
    cleared = len(registry)
    registry.clear()
    return ok({"cleared": cleared})


def routes() -> list[Route]:
    # Ids are free text: an encoded "/" arrives decoded in the path, so ids match with ":path" (the
    # audio route first, as "<id>/audio.wav" would otherwise be read as an id).
    return [
        Route("/api/health", health),
        Route("/api/sessions", sessions),
        Route("/api/sessions/{session_id:path}", session_detail),
        Route("/api/stats", stats),
        Route("/api/events", events),
        Route("/api/events/{event_id:path}/audio.wav", event_audio),
        Route("/api/events/{event_id:path}", event_detail),
        Route("/api/syntheses/{synthesis_id:path}/audio.wav", synthesis_audio),
        Route("/api/export.ndjson", export_ndjson),
        Route("/api/stream", stream_response),
        Route("/api/clear", clear, methods=["POST"]),
    ]
