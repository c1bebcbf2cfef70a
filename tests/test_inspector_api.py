"""The JSON API against a real uvicorn on 127.0.0.1: fixed paths and shapes, filters as query
parameters, 400s that name the bad parameter, audio fetched by event id as WAV (404/410/422), the
NDJSON export that ``plugins_core.read_ndjson`` loads back, and ``POST /api/clear``."""

from __future__ import annotations

import io
import json
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from inspector_server import T0, Running, eventually, pcm, run_server, transcript, tts_chunk

import plugins_core
from plugins_core import (
    ERROR_EVENT_TYPES,
    AudioFormat,
    BaseEvent,
    EventRegistry,
    EventType,
    PluginClosedEvent,
    PluginInitializedEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSResponseEvent,
    STSTranscriptEvent,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    TTSAudioEvent,
    TTSErrorEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    describe_event,
    read_ndjson,
    serialize_event,
)


def _ms(value: float) -> timedelta:
    return timedelta(milliseconds=value)


@dataclass
class Data:
    events: list[BaseEvent]
    stereo: VADAudioEvent
    chunks: list[TTSAudioEvent]
    error: STTErrorEvent


def _dataset() -> Data:
    """Three sessions, every kind of plugin, an error per session, one complete turn in s1."""
    stereo = VADAudioEvent(
        audio_data=pcm(1600, channels=2, seed=7),
        sample_rate=8000,
        channels=2,
        duration_ms=200.0,
        speech_probability=0.9,
        session_id="s1",
        plugin_name="vad-1",
        timestamp=T0 - _ms(100),
    )
    # chunks of syn-1 registered out of order: 1, 0, 2 (the first registered is the turn's first audio)
    chunks = [tts_chunk("syn-1", i, frames=300 + 100 * i, at=T0 + _ms(400 + i)) for i in (1, 0, 2)]
    error = STTErrorEvent(
        error=RuntimeError("decoder crashed"), session_id="s1", plugin_name="stt-1", timestamp=T0 + _ms(900)
    )
    s1: list[BaseEvent] = [
        PluginInitializedEvent(plugin_type="STT", provider="sphinx", session_id="s1", plugin_name="stt-1"),
        PluginInitializedEvent(plugin_type="TTS", provider="espeak", session_id="s1", plugin_name="tts-1"),
        PluginInitializedEvent(plugin_type="VAD", provider="webrtc", session_id="s1", plugin_name="vad-1"),
        stereo,
        VADSpeechEndEvent(
            session_id="s1", plugin_name="vad-1", total_speech_duration_ms=1200.0, timestamp=T0
        ),
        STTPartialTranscriptEvent(
            text="hel", confidence=0.4, session_id="s1", plugin_name="stt-1", timestamp=T0 + _ms(100)
        ),
        transcript(
            "hello world",
            session="s1",
            plugin="stt-1",
            confidence=0.9,
            at=T0 + _ms(200),
            processing_time_ms=120,
        ),
        TTSSynthesisStartEvent(
            text="hi there",
            synthesis_id="syn-1",
            session_id="s1",
            plugin_name="tts-1",
            timestamp=T0 + _ms(250),
        ),
        *chunks,
        TTSSynthesisCompleteEvent(
            synthesis_id="syn-1",
            synthesis_time_ms=300.0,
            real_time_factor=0.5,
            session_id="s1",
            plugin_name="tts-1",
            timestamp=T0 + _ms(600),
        ),
        error,
    ]
    s2: list[BaseEvent] = [
        transcript("goodbye", session="s2", plugin="stt-2", confidence=0.6, processing_time_ms=80),
        transcript("HELLO from two", session="s2", plugin="stt-2", confidence=0.85, processing_time_ms=200),
        TTSErrorEvent(error=ValueError("voice missing"), session_id="s2", plugin_name="tts-2"),
        PluginClosedEvent(plugin_type="STT", session_id="s2", plugin_name="stt-2"),
        PluginClosedEvent(plugin_type="TTS", session_id="s2", plugin_name="tts-2"),
    ]
    s3: list[BaseEvent] = [
        STSConnectedEvent(provider="loop", session_id="s3", plugin_name="sts-1"),
        STSTranscriptEvent(
            text="how are you", is_user=True, confidence=0.7, session_id="s3", plugin_name="sts-1"
        ),
        STSResponseEvent(text="fine", session_id="s3", plugin_name="sts-1"),
        STSAudioOutputEvent(
            audio_data=pcm(320, seed=9), sample_rate=16000, session_id="s3", plugin_name="sts-1"
        ),
    ]
    return Data([*s1, *s2, *s3], stereo, chunks, error)


@pytest.fixture(scope="module")
def data() -> Data:
    return _dataset()


@pytest.fixture(scope="module")
def api(data: Data) -> Iterator[Running]:
    """A server over the data set, registered before it starts (the tracker catches up)."""
    registry = EventRegistry()
    for event in data.events:
        registry.register_event(event)
    with run_server(registry) as running:
        yield running


def _expected_json(entry: plugins_core.RegisteredEvent) -> dict[str, Any]:
    """What the API must send for one event, built by hand from the core's serialization and its
    vocabulary (``EventType`` properties and ``describe_event``)."""
    out: dict[str, Any] = json.loads(json.dumps(serialize_event(entry.event)))
    out.pop("audio_data", None)
    out["seq"] = entry.seq
    event: Any = entry.event
    event_type: EventType = event.event_type
    description = describe_event(event)
    out |= {
        "kind": event_type.kind.value,
        "family": event_type.family,
        "is_error": event_type.is_error,
        "has_audio": event_type.has_audio,
        "summary": description.text,
        "summary_quiet": description.quiet,
    }
    if hasattr(event, "audio_data"):
        size = len(event.audio_data) if event.audio_data else 0
        out["audio"] = {
            "size_bytes": size,
            "duration_ms": event.audio_duration_ms,
            "evicted": event.audio_evicted,
            "url": f"/api/events/{event.event_id}/audio.wav" if size else None,
        }
    return out


def _check_event_json(sent: dict[str, Any], entry: plugins_core.RegisteredEvent) -> None:
    expected = _expected_json(entry)
    assert sent == expected
    assert "audio_data" not in sent


def _seqs(body: dict[str, Any]) -> list[int]:
    return [e["seq"] for e in body["events"]]


def _wav(body: bytes) -> tuple[wave._wave_params, bytes]:
    with wave.open(io.BytesIO(body), "rb") as handle:
        return handle.getparams(), handle.readframes(handle.getnframes())


# ------------------------------------------------------------------------------------------ health


def test_health(api: Running, data: Data) -> None:
    started_at = api.server.state.started_at
    before = time.time() - started_at
    body = api.json("/api/health")
    after = time.time() - started_at
    assert body["ok"] is True
    assert body["version"] == plugins_core.__version__
    assert body["last_seq"] == len(data.events) == body["buffered_events"]
    assert before <= body["uptime_s"] <= after  # measured from the app's start, when asked


def test_unknown_api_path_is_a_json_404(api: Running) -> None:
    body = api.json("/api/nothing-here", status=404)
    assert body["ok"] is False and body["status"] == 404 and "/api/nothing-here" in body["error"]


# ------------------------------------------------------------------------------------------ events


def test_events_are_the_core_serialization_plus_seq_oldest_first(api: Running, data: Data) -> None:
    body = api.json("/api/events")
    entries = api.registry.query()
    assert body["count"] == len(data.events) and body["last_seq"] == len(data.events)
    assert _seqs(body) == list(range(1, len(data.events) + 1))
    for sent, entry in zip(body["events"], entries, strict=True):
        _check_event_json(sent, entry)
    assert all("audio_data" not in e for e in body["events"])
    audio = [e for e in body["events"] if "audio" in e]
    assert {e["event_type"] for e in audio} == {"vad_audio", "tts_audio", "sts_audio_output"}


def _indexes(data: Data, keep: Any) -> list[int]:
    return [i + 1 for i, event in enumerate(data.events) if keep(event)]


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("type=vad_audio&type=tts_audio", lambda e: e.event_type.value in ("vad_audio", "tts_audio")),
        ("type=stt_transcript,stt_error", lambda e: e.event_type.value in ("stt_transcript", "stt_error")),
        ("session=s2", lambda e: e.session_id == "s2"),
        ("session=s2&session=s3", lambda e: e.session_id in ("s2", "s3")),
        ("plugin=tts-1", lambda e: e.plugin_name == "tts-1"),
        ("min_confidence=0.7", lambda e: getattr(e, "confidence", None) is not None and e.confidence >= 0.7),
        ("q=hello", lambda e: "hello" in (getattr(e, "text", None) or "").lower()),
        ("q=crashed", lambda e: e.event_type is EventType.STT_ERROR),
        ("errors=1", lambda e: e.event_type in ERROR_EVENT_TYPES),
        ("errors=1&session=s2", lambda e: e.event_type in ERROR_EVENT_TYPES and e.session_id == "s2"),
        (
            "type=stt_transcript&min_confidence=0.8",
            lambda e: e.event_type.value == "stt_transcript" and e.confidence >= 0.8,
        ),
    ],
)
def test_events_filters_as_query_parameters(api: Running, data: Data, query: str, keep: Any) -> None:
    expected = _indexes(data, keep)
    assert expected, "each filter must keep something"
    body = api.json(f"/api/events?{query}")
    assert _seqs(body) == expected
    assert body["count"] == len(expected)


def test_events_limit_keeps_the_newest_oldest_first(api: Running, data: Data) -> None:
    body = api.json("/api/events?limit=3")
    total = len(data.events)
    assert _seqs(body) == [total - 2, total - 1, total] and body["limit"] == 3
    assert _seqs(api.json("/api/events?limit=0")) == list(range(1, total + 1))  # 0: all
    assert (
        _seqs(api.json("/api/events?type=tts_audio&limit=2"))
        == _indexes(data, lambda e: e.event_type is EventType.TTS_AUDIO)[-2:]
    )
    assert _seqs(api.json("/api/events?after=20")) == list(range(21, total + 1))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=nope", "type='nope': unknown event type"),
        ("type=stt_transcript&type=nope", "type='nope': unknown event type"),
        ("limit=abc", "limit='abc': must be an integer"),
        ("limit=-1", "limit='-1': must be between 0 and 10000"),
        ("limit=10001", "limit='10001': must be between 0 and 10000"),
        ("min_confidence=2", "min_confidence=2.0: must be in [0, 1]"),
        ("min_confidence=high", "min_confidence='high': must be a number"),
        ("tpye=stt_transcript", "tpye='stt_transcript': unknown filter parameter"),
        ("errors=maybe", "errors='maybe': must be 1 or 0"),
        ("since=yesterday", "since='yesterday': must be an ISO-8601 time"),
        ("after=x", "after='x': must be an event sequence number"),
    ],
)
def test_bad_query_is_a_400_json_naming_parameter_and_value(api: Running, query: str, message: str) -> None:
    for path in ("/api/events", "/api/stats", "/api/export.ndjson"):
        body = api.json(f"{path}?{query}", status=400)
        assert body["ok"] is False and body["status"] == 400
        assert body["error"].startswith(message), (path, body)


def test_unknown_type_error_body_is_exact(api: Running) -> None:
    assert api.json("/api/events?type=nope", status=400) == {
        "ok": False,
        "error": "type='nope': unknown event type",
        "status": 400,
    }


def test_event_detail_and_404(api: Running, data: Data) -> None:
    entry = api.registry.get_registered(data.error.event_id)
    assert entry is not None
    body = api.json(f"/api/events/{data.error.event_id}")
    _check_event_json(body["event"], entry)
    assert body["event"]["event_type"] == "stt_error"
    missing = api.json("/api/events/no-such-id", status=404)
    assert missing["ok"] is False and "no-such-id" in missing["error"]


# ------------------------------------------------------------------------------------------- audio


def test_event_audio_is_a_wav_of_the_event_bytes(api: Running, data: Data) -> None:
    event = data.stereo
    response = api.get(f"/api/events/{event.event_id}/audio.wav")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    params, frames = _wav(response.content)
    assert (params.framerate, params.nchannels, params.sampwidth) == (8000, 2, 2)
    assert event.audio_data is not None
    assert params.nframes == len(event.audio_data) // (2 * 2) == 1600
    assert frames == event.audio_data


def test_float32_audio_is_served_as_16_bit_wav() -> None:
    samples = np.linspace(-0.5, 0.5, 480, dtype=np.float32)
    event = TTSAudioEvent(
        audio_data=samples.tobytes(),
        audio_format=AudioFormat.PCM_F32,
        sample_rate=24000,
        synthesis_id="f32",
        session_id="s",
    )
    assert event.audio_format is AudioFormat.PCM_F32
    with run_server() as srv:
        srv.registry.register_event(event)
        response = srv.get(f"/api/events/{event.event_id}/audio.wav")
    assert response.status_code == 200
    params, frames = _wav(response.content)
    assert (params.framerate, params.nchannels, params.sampwidth, params.nframes) == (24000, 1, 2, 480)
    decoded = np.frombuffer(frames, dtype=np.int16)
    assert np.abs(decoded / 32768.0 - samples).max() < 1e-4


def test_synthesis_audio_joins_chunks_in_chunk_index_order(api: Running, data: Data) -> None:
    response = api.get("/api/syntheses/syn-1/audio.wav")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    params, frames = _wav(response.content)
    ordered = sorted(data.chunks, key=lambda c: c.chunk_index)
    assert [c.chunk_index for c in data.chunks] == [1, 0, 2]  # registered out of order
    expected = b"".join(c.audio_data or b"" for c in ordered)
    assert (params.framerate, params.nchannels, params.sampwidth) == (16000, 1, 2)
    assert params.nframes == 300 + 400 + 500
    assert frames == expected


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/events/no-such-event/audio.wav", 404),
        ("/api/syntheses/no-such-synthesis/audio.wav", 404),
    ],
)
def test_audio_of_unknown_ids_is_404(api: Running, path: str, status: int) -> None:
    body = api.json(path, status=status)
    assert body["ok"] is False and body["status"] == status


def test_audio_of_a_non_audio_event_is_422(api: Running, data: Data) -> None:
    body = api.json(f"/api/events/{data.error.event_id}/audio.wav", status=422)
    assert body["error"] == "event_type='stt_error': this event carries no audio"


def test_audio_event_without_playable_audio_is_422() -> None:
    empty = VADAudioEvent(session_id="s")
    mp3 = TTSAudioEvent(audio_data=b"\xff\xfb\x90\x00" * 10, audio_format=AudioFormat.MP3, synthesis_id="m")
    with run_server() as srv:
        srv.registry.register_event(empty)
        srv.registry.register_event(mp3)
        no_data = srv.json(f"/api/events/{empty.event_id}/audio.wav", status=422)
        compressed = srv.json(f"/api/events/{mp3.event_id}/audio.wav", status=422)
    assert "no audio data" in no_data["error"]
    assert compressed["error"].startswith("audio_format='mp3'")


def test_evicted_audio_is_410_and_the_event_says_so() -> None:
    registry = EventRegistry(max_audio_bytes=1500)
    old = tts_chunk("syn-old", 0, frames=500)  # 1,000 bytes
    kept = tts_chunk("syn-new", 0, frames=500)
    with run_server(registry) as srv:
        registry.register_event(old)
        registry.register_event(kept)  # 2,000 bytes > 1,500: the oldest audio goes
        gone = srv.json(f"/api/events/{old.event_id}/audio.wav", status=410)
        synthesis = srv.json("/api/syntheses/syn-old/audio.wav", status=410)
        listed = srv.json(f"/api/events/{old.event_id}")["event"]
        assert srv.get(f"/api/events/{kept.event_id}/audio.wav").status_code == 200
        assert srv.get("/api/syntheses/syn-new/audio.wav").status_code == 200
    assert gone["status"] == 410 and "evicted" in gone["error"]
    assert "evicted" in synthesis["error"]
    assert listed["audio"] == {"size_bytes": 0, "duration_ms": None, "evicted": True, "url": None}


# ---------------------------------------------------------------------------------------- sessions


def test_sessions_list_and_detail(api: Running, data: Data) -> None:
    sessions = api.json("/api/sessions")["sessions"]
    by_id = {s["session_id"]: s for s in sessions}
    assert set(by_id) == {"s1", "s2", "s3"}
    assert [s["session_id"] for s in sessions][0] == "s3"  # most recently active first
    s1 = by_id["s1"]
    assert s1["event_count"] == s1["buffered_events"] == 13
    assert s1["error_count"] == 1
    assert {(p["name"], p["type"], p["closed"]) for p in s1["plugins"]} == {
        ("stt-1", "STT", False),
        ("tts-1", "TTS", False),
        ("vad-1", "VAD", False),
    }
    s2 = by_id["s2"]
    assert s2["live"] is False  # every plugin it saw has closed
    assert s2["error_count"] == 1
    assert by_id["s3"]["plugins"] == [{"name": "sts-1", "type": "STS", "closed": False}]
    detail = api.json("/api/sessions/s1")["session"]
    assert detail == {**s1, "live": detail["live"]}
    (turn,) = detail["turns"]
    assert turn["synthesis_id"] == "syn-1" and turn["text"] == "hello world"
    assert turn["total_ms"] == pytest.approx(401.0)
    missing = api.json("/api/sessions/nope", status=404)
    assert missing["error"] == "session_id='nope': no such session"


# ------------------------------------------------------------------------------------------- stats


def test_stats_statistics_errors_metrics_turns_and_stream(api: Running, data: Data) -> None:
    body = api.json("/api/stats")
    assert body["ok"] is True
    stats = body["statistics"]
    assert stats["total_events"] == len(data.events) and stats["session_count"] == 3
    assert stats["subscriptions"] == 1
    errors = body["errors"]
    assert errors["total_events"] == len(data.events) and errors["total_errors"] == 2
    assert errors["by_plugin"]["stt-1"] == {"events": 4, "errors": 1, "error_rate": 0.25}
    assert errors["by_plugin"]["tts-2"] == {"events": 2, "errors": 1, "error_rate": 0.5}
    metrics = body["metrics"]
    stt = metrics["stt"]
    assert stt["total_transcripts"] == 4 and stt["final_transcripts"] == 3
    assert stt["p50_processing_time_ms"] == pytest.approx(120.0)
    assert stt["p95_processing_time_ms"] == pytest.approx(float(np.percentile([120, 80, 200], 95)))
    tts = metrics["tts"]
    assert (tts["total_audio_chunks"], tts["total_syntheses"], tts["completed_syntheses"]) == (3, 1, 1)
    assert tts["p50_synthesis_time_ms"] == 300.0 and tts["p50_real_time_factor"] == 0.5
    vad = metrics["vad"]
    assert vad["total_speech_segments"] == 1 and vad["p50_speech_duration_ms"] == 200.0
    assert vad["speech_segments_ended"] == 1 and vad["p50_segment_ms"] == vad["p95_segment_ms"] == 1200.0
    sts = metrics["sts"]
    assert (sts["total_connections"], sts["user_transcripts"], sts["total_responses"]) == (1, 1, 1)
    assert sts["audio_output_chunks"] == 1 and sts["audio_output_bytes"] == 640
    turns = body["turns"]
    assert turns["turns"] == 1
    assert turns["total_ms"] == {"p50": pytest.approx(401.0), "p95": pytest.approx(401.0)}
    assert turns["transcription_ms"]["p50"] == pytest.approx(200.0)
    assert turns["response_ms"]["p50"] == pytest.approx(50.0)
    assert turns["first_audio_ms"]["p50"] == pytest.approx(151.0)
    stream = body["stream"]
    assert set(stream) >= {"clients", "total_connections", "dropped_events", "per_client"}
    assert body["tracker"] == {"missed_events": 0, "dropped_sessions": 0}
    assert isinstance(body["events_per_second"], float)


def test_stats_follow_the_filters(api: Running) -> None:
    body = api.json("/api/stats?session=s2")
    assert body["errors"]["total_events"] == 5 and body["errors"]["total_errors"] == 1
    assert set(body["errors"]["by_plugin"]) == {"stt-2", "tts-2"}
    assert body["metrics"]["stt"]["total_transcripts"] == 2
    assert body["metrics"]["tts"]["total_audio_chunks"] == 0
    only_tts = api.json("/api/stats?type=tts_audio")
    assert only_tts["metrics"]["stt"] == {"total_transcripts": 0}
    assert only_tts["metrics"]["tts"]["total_audio_chunks"] == 3


# ------------------------------------------------------------------------------------ export, clear


def test_export_ndjson_round_trips_with_audio(api: Running, data: Data) -> None:
    response = api.get("/api/export.ndjson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    loaded = list(read_ndjson(io.StringIO(response.text)))
    assert [serialize_event(e) for e in loaded] == [serialize_event(e) for e in data.events]
    restored = next(e for e in loaded if e.event_id == data.stereo.event_id)
    assert isinstance(restored, VADAudioEvent) and restored.audio_data == data.stereo.audio_data
    filtered = list(read_ndjson(io.StringIO(api.get("/api/export.ndjson?type=tts_audio").text)))
    assert [e.event_id for e in filtered] == [c.event_id for c in data.chunks]


def test_clear_forgets_the_events_but_never_restarts_seq() -> None:
    with run_server() as srv:
        for i in range(5):
            srv.registry.register_event(transcript(f"e{i}"))
        response = srv.client.post("/api/clear", headers={"X-Inspector-CSRF": srv.csrf})
        assert response.status_code == 200
        assert response.json() == {"ok": True, "cleared": 5}
        assert srv.json("/api/events")["events"] == []
        health = srv.json("/api/health")
        assert health["buffered_events"] == 0 and health["last_seq"] == 5
        assert srv.registry.register_event(transcript("after")) == 6
        assert _seqs(srv.json("/api/events")) == [6]
        assert srv.client.get("/api/clear").status_code == 405


# ------------------------------------------------------------------------------------- odd ids


def test_ids_with_slashes_question_marks_and_hashes_work_in_every_url() -> None:
    """Event, synthesis and session ids are free text: each URL carries them percent-encoded, and
    the server finds them again (issue 10, item 8)."""
    odd = "odd/id?x=1#frag"
    session = f"sess/{odd}"
    segment = pcm(800)
    events: list[BaseEvent] = [
        VADAudioEvent(audio_data=segment, sample_rate=8000, session_id=session, event_id=f"vad-{odd}"),
        transcript("odd", session=session, event_id=f"stt-{odd}"),
        TTSSynthesisStartEvent(text="hi", synthesis_id=f"syn-{odd}", session_id=session),
        TTSAudioEvent(
            audio_data=segment, synthesis_id=f"syn-{odd}", session_id=session, event_id=f"tts-{odd}"
        ),
    ]
    encoded = "odd%2Fid%3Fx%3D1%23frag"
    with run_server() as srv:
        for event in events:
            srv.registry.register_event(event)
        sent = srv.json(f"/api/events/vad-{encoded}")["event"]
        assert sent["event_id"] == f"vad-{odd}"
        assert sent["audio"]["url"] == f"/api/events/vad-{encoded}/audio.wav"
        wav = srv.get(sent["audio"]["url"])
        assert wav.status_code == 200 and _wav(wav.content)[1] == segment
        assert srv.json(f"/api/events/stt-{encoded}")["event"]["text"] == "odd"
        whole = srv.get(f"/api/syntheses/syn-{encoded}/audio.wav")
        assert whole.status_code == 200 and _wav(whole.content)[1] == segment
        session_url = f"/api/sessions/sess%2F{encoded}"
        assert eventually(lambda: srv.get(session_url).json().get("session", {}).get("event_count") == 4)
        assert srv.json(session_url)["session"]["session_id"] == session
        page = srv.get(f"/events/tts-{encoded}", headers={"HX-Request": "true"}).text
        assert f'data-event-id="tts-{odd}"' in page.replace("&#34;", '"')
        assert f'href="/api/events/tts-{encoded}"' in page  # the JSON link
        assert f'data-audio-url="/api/syntheses/syn-{encoded}/audio.wav"' in page
        missing = srv.json(f"/api/events/nope-{encoded}/audio.wav", status=404)
        assert missing["error"] == f"event_id='nope-{odd}': not buffered (never seen, or evicted)"
