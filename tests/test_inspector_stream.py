"""The SSE endpoint ``/api/stream`` against a real uvicorn on 127.0.0.1.

Covers server-side filtering, seq numbers and frame ids, reconnect with ``Last-Event-ID`` and
``after=`` (with a ``gap`` frame when events were evicted), slow clients (bounded queue, ``dropped``
frames, an emitter that keeps its speed, other clients unaffected), batching at high rates,
keep-alive pings, clean-up after disconnects, and audio that never rides on the stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from inspector_server import (
    Frame,
    RawStream,
    Running,
    StreamReader,
    all_seqs,
    audio_event,
    eventually,
    run_server,
    transcript,
    tts_chunk,
)

from plugins_core import (
    BaseEvent,
    EventRegistry,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    TTSErrorEvent,
    TTSSynthesisStartEvent,
    VADSpeechEndEvent,
)


@pytest.fixture(scope="module")
def shared() -> Iterator[Running]:
    """One server for the tests that only add events and read them back by seq."""
    with run_server(EventRegistry(max_events=50_000), client_queue=20_000) as running:
        yield running


def _mixed_events() -> list[BaseEvent]:
    return [
        transcript("hello world", session="s1", plugin="stt-1", confidence=0.95),  # 0
        transcript("Hello again", session="s2", plugin="stt-2", confidence=0.5),  # 1
        STTPartialTranscriptEvent(text="hel", session_id="s1", plugin_name="stt-1", confidence=0.3),  # 2
        tts_chunk("syn-1", 0),  # 3: s1, tts-1
        TTSSynthesisStartEvent(text="say hello", synthesis_id="syn-1", session_id="s1", plugin_name="tts-1"),
        STTErrorEvent(error=RuntimeError("decoder crashed"), session_id="s2", plugin_name="stt-2"),  # 5
        audio_event(session="s2", plugin="vad-1"),  # 6
        VADSpeechEndEvent(session_id="s1", plugin_name="vad-1", total_speech_duration_ms=800),  # 7
        TTSErrorEvent(error=ValueError("voice missing"), session_id="s1", plugin_name="tts-1"),  # 8
        transcript("goodbye", session="s1", plugin="stt-1", confidence=0.8),  # 9
    ]


#: query -> indexes (in _mixed_events) of the events it must let through, worked out by hand
FILTERS: dict[str, list[int]] = {
    "?type=stt_transcript&type=tts_audio": [0, 1, 3, 9],
    "?type=stt_transcript,vad_audio": [0, 1, 6, 9],
    "?session=s2": [1, 5, 6],
    "?plugin=tts-1": [3, 4, 8],
    "?min_confidence=0.8": [0, 9],
    "?q=HELLO": [0, 1, 4],
    "?q=crashed": [5],
    "?errors=1": [5, 8],
    "?type=stt_transcript&session=s1&min_confidence=0.9": [0],
    "?session=s1&errors=1&plugin=tts-1": [8],
}


def _ids_match_last_seq(frames: list[Frame]) -> None:
    for frame in frames:
        if frame.event == "events":
            assert frame.seqs, "an events frame must carry events"
            assert frame.id == str(frame.seqs[-1]), (frame.id, frame.seqs)


# ------------------------------------------------------------------------------------------ basics


def test_stream_sends_hello_then_live_events_each_frame_id_the_last_seq(shared: Running) -> None:
    old = shared.registry.register_event(transcript("before the client came"))
    with shared.stream() as reader:
        hello = reader.of_kind("hello")[0]
        assert hello.payload() == {"last_seq": old, "resumed_from": None}
        assert hello.id == str(old)
        seqs = [shared.registry.register_event(transcript(f"live {i}")) for i in range(25)]
        assert reader.wait_seq(seqs[-1])
        assert reader.seqs() == seqs  # nothing from before the connection, all of the live ones
        frames = reader.snapshot()
    _ids_match_last_seq(frames)
    texts = [e["text"] for f in frames for e in f.events]
    assert texts == [f"live {i}" for i in range(25)]
    first = frames[1].events[0]
    assert first["event_type"] == "stt_transcript" and first["session_id"] == "s1"


def test_stream_filters_server_side_with_the_page_query_parameters(shared: Running) -> None:
    readers = {query: shared.stream(query).start() for query in FILTERS}
    try:
        base = shared.registry.last_seq
        events = _mixed_events()
        seqs = [shared.registry.register_event(event) for event in events]
        assert seqs == list(range(base + 1, base + 1 + len(events)))
        for query, indexes in FILTERS.items():
            expected = [seqs[i] for i in indexes]
            reader = readers[query]
            assert reader.wait_seq(expected[-1]), (query, reader.seqs())
            assert reader.seqs() == expected, query
            _ids_match_last_seq(reader.snapshot())
            # the JSON API answers the same query with the same events
            api = shared.json(f"/api/events{query}&after={base}&limit=0")
            assert [e["seq"] for e in api["events"]] == expected, query
    finally:
        for reader in readers.values():
            reader.close()


@pytest.mark.parametrize(
    ("query", "headers", "message"),
    [
        ("?type=nope", {}, "type='nope': unknown event type"),
        ("?tpye=stt_transcript", {}, "tpye='stt_transcript': unknown filter parameter"),
        ("?min_confidence=2", {}, "min_confidence=2.0: must be in [0, 1]"),
        ("?after=-1", {}, "after='-1': must be >= 0"),
        ("?after=ten", {}, "after='ten': must be an event sequence number"),
        ("", {"Last-Event-ID": "abc"}, "Last-Event-ID='abc': must be an event sequence number"),
    ],
)
def test_stream_refuses_a_bad_query_with_a_400_naming_it(
    shared: Running, query: str, headers: dict[str, str], message: str
) -> None:
    with shared.client.stream("GET", f"/api/stream{query}", headers=headers) as response:
        assert response.status_code == 400
        body = response.read()
    error = json.loads(body)
    assert error["ok"] is False and error["status"] == 400
    assert error["error"].startswith(message), error


# ---------------------------------------------------------------------------------------- resuming


def test_reconnect_with_last_event_id_gets_exactly_the_missed_events_in_order(shared: Running) -> None:
    with shared.stream("?session=resume") as first:
        seen = [shared.registry.register_event(transcript(f"a{i}", session="resume")) for i in range(30)]
        assert first.wait_seq(seen[-1])
        last_id = first.last_id()
    assert last_id == str(seen[-1])
    assert eventually(lambda: not shared.hub.clients)
    # while disconnected: matching and non-matching events
    missed = []
    for i in range(40):
        missed.append(shared.registry.register_event(transcript(f"b{i}", session="resume")))
        shared.registry.register_event(transcript(f"other {i}", session="elsewhere"))
    with shared.stream("?session=resume", headers={"Last-Event-ID": last_id}) as again:
        live = [shared.registry.register_event(transcript(f"c{i}", session="resume")) for i in range(20)]
        assert again.wait_seq(live[-1])
        hello = again.of_kind("hello")[0]
        assert hello.payload()["resumed_from"] == seen[-1] and hello.id == last_id
        assert again.seqs() == missed + live  # no duplicate, no hole, in order
        assert again.of_kind("gap") == [] and again.of_kind("dropped") == []
        _ids_match_last_seq(again.snapshot())


def test_reconnect_with_after_query_parameter(shared: Running) -> None:
    seqs = [shared.registry.register_event(transcript(f"after {i}", session="after")) for i in range(12)]
    with shared.stream(f"?session=after&after={seqs[4]}") as reader:
        assert reader.wait_seq(seqs[-1])
        assert reader.seqs() == seqs[5:]
    # Last-Event-ID wins over after= (it is what the browser sends on its own reconnects)
    with shared.stream(f"?session=after&after={seqs[0]}", headers={"Last-Event-ID": str(seqs[9])}) as r2:
        assert r2.wait_seq(seqs[-1])
        assert r2.seqs() == seqs[10:]


def test_reconnect_after_eviction_gets_a_gap_frame_with_the_count_then_the_rest() -> None:
    with run_server(EventRegistry(max_events=20)) as srv:
        with srv.stream() as first:
            seqs = [srv.registry.register_event(transcript(f"e{i}")) for i in range(10)]
            assert first.wait_seq(10)
            last_id = first.last_id()
        assert last_id == "10" and seqs[-1] == 10
        for i in range(10, 60):
            srv.registry.register_event(transcript(f"e{i}"))  # the ring keeps 41..60
        with srv.stream(headers={"Last-Event-ID": last_id}) as again:
            assert again.wait_seq(60)
            frames = again.snapshot()
    kinds = [f.event for f in frames if f.event is not None]
    assert kinds[:2] == ["hello", "gap"], kinds
    gap = next(f for f in frames if f.event == "gap")
    assert gap.payload() == {"missed": 30, "after": 10}
    assert all_seqs(frames) == list(range(41, 61))


def test_resume_from_an_id_beyond_the_registry_does_not_silently_skip_events() -> None:
    with run_server() as srv:
        for i in range(5):
            srv.registry.register_event(transcript(f"new process {i}"))
        with srv.stream(headers={"Last-Event-ID": "1000"}) as reader:
            for i in range(5):
                srv.registry.register_event(transcript(f"live {i}"))
            assert reader.wait_seq(10), reader.seqs()
            frames = reader.snapshot()
    # an id from a previous run (numbering restarted): told so, then everything from the start
    kinds = [f.event for f in frames if f.event not in ("events", None)]
    assert kinds == ["hello", "reset"], kinds
    assert next(f for f in frames if f.event == "reset").payload() == {"resumed_from": 1000, "last_seq": 5}
    assert all_seqs(frames) == list(range(1, 11))


def test_negative_last_event_id_is_refused_like_after() -> None:
    with run_server() as srv:
        for i in range(10):
            srv.registry.register_event(transcript(f"e{i}"))
        with srv.client.stream("GET", "/api/stream", headers={"Last-Event-ID": "-5"}) as response:
            status = response.status_code
        assert status == 400


# ------------------------------------------------------------------------------------ slow clients


def _register_many(registry: EventRegistry, events: list[BaseEvent]) -> None:
    for event in events:
        registry.register_event(event)


def test_stalled_client_drops_oldest_is_told_the_count_and_slows_no_one() -> None:
    pad = "x" * 600  # big frames fill the stalled client's TCP buffers quickly
    with run_server(
        EventRegistry(max_events=60_000), client_queue=1000, batch_interval_s=0.02, send_timeout_s=30
    ) as srv:
        _register_many(srv.registry, [transcript(f"{pad} {i}") for i in range(20_000)])
        stalled = RawStream(srv.port)
        try:
            stalled.read_until(lambda frames: any(f.event == "hello" for f in frames), 5)
            assert stalled.status == 200
            (client,) = srv.hub.clients.values()
            assert client.subscription is not None
            start_seq = srv.registry.last_seq
            # 20k registrations while a client reads nothing all return (none waits for the client):
            # its queue stays within its bound and the oldest events are dropped instead. (How much
            # the emitter slows is measured in benchmarks/bench_stream.py.)
            _register_many(srv.registry, [transcript(f"{pad} {i}") for i in range(20_000)])
            assert srv.registry.last_seq == start_seq + 20_000
            assert client.subscription.queued <= 1000
            assert eventually(lambda: srv.registry.get_statistics()["subscriber_dropped_events"] > 0)
            # a fast client next to the stalled one gets every event
            with srv.stream() as fast:
                first = srv.registry.last_seq + 1
                for burst in range(20):
                    for i in range(100):
                        srv.registry.register_event(transcript(f"fast {burst} {i}"))
                    time.sleep(0.005)
                last = srv.registry.last_seq
                assert fast.wait_seq(last)
                assert fast.seqs() == list(range(first, last + 1))
                assert fast.of_kind("dropped") == []
            # the stalled client wakes up: the oldest were dropped and it is told how many
            frames = stalled.read_until(lambda fs: bool(fs) and last in all_seqs(fs), 20)
            seqs = all_seqs(frames)
            dropped = [f.payload() for f in frames if f.event == "dropped"]
            assert seqs and seqs[-1] == last
            assert seqs == sorted(set(seqs))
            assert dropped and all(d["dropped"] > 0 for d in dropped)
            lost = sum(d["dropped"] for d in dropped)
            assert dropped[-1]["total"] == lost
            assert len(seqs) + lost == last - start_seq  # every event delivered or counted
            assert seqs[-1000:] == list(range(last - 999, last + 1))  # the newest were kept
            stream = srv.json("/api/stats")["stream"]
            assert stream["dropped_events"] >= lost
            assert max(c["dropped"] for c in stream["per_client"]) == lost
        finally:
            stalled.close()
        assert eventually(lambda: not srv.hub.clients)
        assert srv.json("/api/stats")["stream"]["dropped_events"] == lost


def test_stats_count_the_drops_of_a_client_while_it_is_stalled() -> None:
    pad = "x" * 4000
    with run_server(EventRegistry(max_events=5000), client_queue=200, send_timeout_s=30) as srv:
        stalled = RawStream(srv.port)
        try:
            stalled.read_until(lambda frames: any(f.event == "hello" for f in frames), 5)
            (client,) = srv.hub.clients.values()
            sent = -1
            for _ in range(20):  # until the server's writes to it block (its sent count stops moving)
                _register_many(srv.registry, [transcript(f"{pad} {i}") for i in range(1000)])
                time.sleep(0.15)
                if client.sent == sent:
                    break
                sent = client.sent
            assert client.sent == sent, "the client never stalled"
            _register_many(srv.registry, [transcript(f"{pad} {i}") for i in range(1000)])
            registry_drops = srv.registry.get_statistics()["subscriber_dropped_events"]
            assert registry_drops > 0
            stream = srv.json("/api/stats")["stream"]
            assert stream["dropped_events"] == registry_drops  # the tracker's own queue dropped none
            assert stream["per_client"][0]["dropped"] == registry_drops
        finally:
            stalled.close()
        assert eventually(lambda: not srv.hub.clients)
        assert srv.json("/api/stats")["stream"]["dropped_events"] == registry_drops


def test_client_that_accepts_nothing_is_disconnected_after_send_timeout() -> None:
    pad = "x" * 20_000  # a few hundred events fill the TCP buffers
    with run_server(EventRegistry(max_events=1000), client_queue=100, send_timeout_s=0.3) as srv:
        stalled = RawStream(srv.port)
        try:
            stalled.read_until(lambda frames: any(f.event == "hello" for f in frames), 5)
            assert len(srv.hub.clients) == 1
            deadline = time.monotonic() + 5
            while srv.hub.clients and time.monotonic() < deadline:  # the server has more to send
                _register_many(srv.registry, [transcript(f"{pad} {i}") for i in range(50)])
                time.sleep(0.05)
            assert not srv.hub.clients
            assert eventually(lambda: srv.subscriptions() == 1)
        finally:
            stalled.close()


# ---------------------------------------------------------------------------------- batching, pings


def test_high_rate_events_are_coalesced_into_few_frames_of_json_arrays() -> None:
    with run_server(EventRegistry(max_events=10_000), client_queue=10_000, batch_interval_s=0.05) as srv:
        with srv.stream() as reader:
            _register_many(srv.registry, [transcript(f"burst {i}") for i in range(5000)])
            assert reader.wait_seq(5000)
            frames = [f for f in reader.snapshot() if f.event == "events"]
    assert all_seqs(frames) == list(range(1, 5001))
    assert len(frames) <= 5000 / 25, len(frames)  # far fewer frames than events
    assert max(len(f.seqs) for f in frames) > 100
    assert all(isinstance(f.payload(), list) for f in frames)
    assert max(len(f.seqs) for f in frames) <= 1000  # max_batch
    _ids_match_last_seq(frames)


def test_frames_hold_at_most_max_batch_events() -> None:
    with run_server(client_queue=10_000, max_batch=100) as srv:
        with srv.stream() as reader:
            _register_many(srv.registry, [transcript(f"b {i}") for i in range(1000)])
            assert reader.wait_seq(1000)
            frames = [f for f in reader.snapshot() if f.event == "events"]
        # a reconnect replays in max_batch frames too
        with srv.stream(headers={"Last-Event-ID": "0"}) as replay:
            assert replay.wait_seq(1000)
            replayed = [f for f in replay.snapshot() if f.event == "events"]
    assert all_seqs(frames) == list(range(1, 1001))
    assert max(len(f.seqs) for f in frames) <= 100 and len(frames) >= 10
    assert [len(f.seqs) for f in replayed] == [100] * 10


def _pings(reader: StreamReader) -> int:
    return sum(frame.is_ping for frame in reader.snapshot())


def test_idle_stream_gets_keepalive_ping_comments() -> None:
    with run_server(ping_s=0.2) as srv:
        reader = srv.stream(stop_when=lambda r: _pings(r) >= 3, timeout=5).start()
        reader.join(5)
        assert not reader.running
        assert _pings(reader) >= 3
        comment = next(f for f in reader.snapshot() if f.is_ping).comments[0]
        assert comment.startswith("ping")
        assert reader.seqs() == []
        assert eventually(lambda: not srv.hub.clients)


# ---------------------------------------------------------------------------------------- clean-up


async def _task_count() -> int:
    return len(asyncio.all_tasks())


def test_disconnected_clients_leave_no_subscription_queue_or_task_behind() -> None:
    with run_server() as srv:
        assert srv.subscriptions() == 1  # the session tracker's own
        with srv.stream():
            pass  # the first stream starts sse-starlette's per-loop shutdown watcher
        assert eventually(lambda: not srv.hub.clients and srv.subscriptions() == 1)
        baseline = srv.on_loop(_task_count())
        readers = [srv.stream(q).start() for q in ("", "?type=stt_transcript", "?session=s1&errors=1")]
        raws = [RawStream(srv.port) for _ in range(2)]
        for raw in raws:
            raw.read_until(lambda frames: any(f.event == "hello" for f in frames), 5)
        for i in range(50):
            srv.registry.register_event(transcript(f"e{i}"))
        assert eventually(lambda: len(srv.hub.clients) == 5)
        assert srv.subscriptions() == 6
        assert srv.json("/api/stats")["stream"]["clients"] == 5
        for reader in readers:
            reader.close()
        for raw in raws:
            raw.close()  # abrupt: no reading, just gone
        assert eventually(lambda: not srv.hub.clients), srv.hub.clients
        assert eventually(lambda: srv.subscriptions() == 1), srv.subscriptions()
        assert eventually(lambda: srv.on_loop(_task_count()) <= baseline), (
            srv.on_loop(_task_count()),
            baseline,
        )
        stream = srv.json("/api/stats")["stream"]
        assert stream["clients"] == 0 and stream["per_client"] == []
        assert stream["total_connections"] == 6


# ------------------------------------------------------------------------------------------- audio


def test_audio_bytes_never_ride_on_the_stream(shared: Running) -> None:
    with shared.stream("?session=audio") as reader:
        event = audio_event(frames=1600, sample_rate=16000, channels=2, session="audio")
        seq = shared.registry.register_event(event)
        assert reader.wait_seq(seq)
        frame = next(f for f in reader.snapshot() if f.event == "events")
    assert frame.data is not None and len(frame.data) < 2000  # 6,400 bytes of audio are not in it
    (sent,) = frame.events
    assert "audio_data" not in sent
    assert sent["audio"] == {
        "size_bytes": 6400,
        "duration_ms": 100.0,
        "evicted": False,
        "url": f"/api/events/{event.event_id}/audio.wav",
    }
    wav = shared.get(sent["audio"]["url"])
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
