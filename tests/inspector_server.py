"""Shared helpers for the inspector tests: a real uvicorn server in a thread, an SSE frame parser, a
threaded httpx stream reader, a raw-socket stream client that can stall, and event factories.

Streams are always read from a real server over TCP: an endless SSE response would hang
Starlette's TestClient.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import numpy as np

from inspector.app import InspectorServer
from inspector.hub import StreamHub
from inspector.settings import InspectorSettings
from plugins_core import (
    BaseEvent,
    EventRegistry,
    STTTranscriptEvent,
    TTSAudioEvent,
    VADAudioEvent,
)

__all__ = [
    "T0",
    "Frame",
    "FrameParser",
    "RawStream",
    "Running",
    "StreamReader",
    "all_seqs",
    "audio_event",
    "eventually",
    "pcm",
    "register_all",
    "run_server",
    "transcript",
    "tts_chunk",
]

T = TypeVar("T")

#: A fixed, recent instant for events whose timestamps a test sets by hand.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)


# ---------------------------------------------------------------------------------------- frames


@dataclass
class Frame:
    """One SSE message as the wire carries it (``event``/``id``/``data`` fields and comments)."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)
    received_at: float = 0.0

    def payload(self) -> Any:
        return json.loads(self.data) if self.data is not None else None

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events of an ``events`` frame (its data is a JSON array); [] for any other frame."""
        if self.event != "events":
            return []
        body = self.payload()
        assert isinstance(body, list), f"events frame data is not a JSON array: {self.data!r:.200}"
        return body

    @property
    def seqs(self) -> list[int]:
        return [int(e["seq"]) for e in self.events]

    @property
    def is_ping(self) -> bool:
        return self.event is None and self.data is None and any(c.startswith("ping") for c in self.comments)


class FrameParser:
    """Turns SSE lines (without their line ends) into frames; a blank line ends a frame."""

    def __init__(self) -> None:
        self._frame = Frame()
        self._data: list[str] = []
        self._any = False

    def feed(self, line: str) -> Frame | None:
        if line == "":
            if not self._any:
                return None
            frame = self._frame
            frame.data = "\n".join(self._data) if self._data else None
            frame.received_at = time.monotonic()
            self._frame, self._data, self._any = Frame(), [], False
            return frame
        self._any = True
        if line.startswith(":"):
            self._frame.comments.append(line[1:].strip())
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._frame.event = value
        elif name == "id":
            self._frame.id = value
        elif name == "data":
            self._data.append(value)
        return None


def all_seqs(frames: list[Frame]) -> list[int]:
    return [seq for frame in frames for seq in frame.seqs]


def eventually(check: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll ``check`` until it returns something truthy; its last value otherwise (for the assert)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------------------- server


@dataclass
class Running:
    """A started InspectorServer with what tests look at."""

    server: InspectorServer
    registry: EventRegistry
    port: int
    client: httpx.Client

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hub(self) -> StreamHub:
        return self.server.state.hub

    @property
    def csrf(self) -> str:
        return self.server.state.csrf_token

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def json(self, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = self.client.get(path, **kwargs)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        body: dict[str, Any] = response.json()
        return body

    def subscriptions(self) -> int:
        count: int = self.registry.get_statistics()["subscriptions"]
        return count

    def on_loop(self, coro: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        """Run a coroutine on the server's own event loop (the tracker's task tells which it is)."""
        task = self.server.state.tracker._task
        assert task is not None, "session tracker not running"
        return asyncio.run_coroutine_threadsafe(coro, task.get_loop()).result(timeout)

    def stream(self, query: str = "", **kwargs: Any) -> StreamReader:
        return StreamReader(f"{self.base_url}/api/stream{query}", **kwargs)


@contextlib.contextmanager
def run_server(registry: EventRegistry | None = None, **settings: Any) -> Iterator[Running]:
    """A real uvicorn on 127.0.0.1 (a free port) in a background thread, stopped on exit.

    Streams get a short keep-alive (so readers notice a stop request quickly) unless given.
    Exiting fails if the server thread outlives ``stop_thread``: a stream client was left open.
    """
    registry = registry if registry is not None else EventRegistry()
    settings.setdefault("ping_s", 0.1)
    server = InspectorServer(registry, InspectorSettings(port=0, **settings))
    server.start_in_thread()
    thread = server._thread
    port = server.bound_port
    assert port is not None and thread is not None
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0)
    try:
        yield Running(server, registry, port, client)
    finally:
        client.close()
        try:
            server.stop_thread(timeout=5.0)
        except TimeoutError:
            pass
        if thread.is_alive():  # do not leave a serving thread behind, then say why
            server.server.force_exit = True
            thread.join(5.0)
            raise AssertionError("inspector server thread still alive after stop_thread(): a client leaked")


# ---------------------------------------------------------------------------------------- readers


class StreamReader:
    """Reads ``/api/stream`` with httpx in a thread and keeps every frame (pings included).

    ``start()`` returns once the ``hello`` frame arrived (the server has subscribed), so events
    registered afterwards are live for this client. Stops on ``close()``, ``stop_when(reader)``, or
    ``timeout`` seconds after the start.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        stop_when: Callable[[StreamReader], bool] | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = url
        self.headers = headers or {}
        self.stop_when = stop_when
        self.timeout = timeout
        self.frames: list[Frame] = []
        self.status: int | None = None
        self.body: bytes = b""
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hello = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sse-reader", daemon=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 5.0) -> StreamReader:
        self._thread.start()
        assert self._hello.wait(timeout), f"no hello frame within {timeout} s from {self.url}"
        if self.error is not None:
            raise AssertionError(f"stream reader failed: {self.error!r}") from self.error
        return self

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "stream reader did not stop"

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> StreamReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10.0)) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                self.status = response.status_code
                if response.status_code != 200:
                    self.body = response.read()
                    return
                parser = FrameParser()
                for line in response.iter_lines():
                    frame = parser.feed(line)
                    if frame is not None:
                        with self._lock:
                            self.frames.append(frame)
                        if frame.event == "hello":
                            self._hello.set()
                        if self.stop_when is not None and self.stop_when(self):
                            return
                    if self._stop.is_set() or time.monotonic() > deadline:
                        return
        except BaseException as exc:  # kept for the test to see; a thread must not raise
            self.error = exc
        finally:
            self._hello.set()

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> list[Frame]:
        with self._lock:
            return list(self.frames)

    def seqs(self) -> list[int]:
        return all_seqs(self.snapshot())

    def last_seq(self) -> int:
        seqs = self.seqs()
        return seqs[-1] if seqs else 0

    def of_kind(self, kind: str) -> list[Frame]:
        return [f for f in self.snapshot() if f.event == kind]

    def last_id(self) -> str | None:
        ids = [f.id for f in self.snapshot() if f.id is not None]
        return ids[-1] if ids else None

    def wait_seq(self, seq: int, timeout: float = 10.0) -> bool:
        """True once a frame carried ``seq`` or a later one."""
        return bool(eventually(lambda: self.last_seq() >= seq or not self.running, timeout)) and (
            self.last_seq() >= seq
        )


class RawStream:
    """An SSE client on a bare socket: sends the GET, then reads only when told to.

    A stalled RawStream is what a frozen browser tab looks like to the server: TCP buffers fill up
    and the server's writes block. The receive buffer is kept small so that happens sooner.
    """

    def __init__(self, port: int, path: str = "/api/stream", *, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        self.sock.sendall(request.encode())
        self.status: int | None = None
        self.frames: list[Frame] = []
        self._raw = b""
        self._headers_done = False
        self._chunked = False
        self._body = b""
        self._parser = FrameParser()

    def read_until(self, done: Callable[[list[Frame]], bool], timeout: float = 10.0) -> list[Frame]:
        """Read (and parse) until ``done(frames)`` or the timeout; returns all frames so far."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        while not done(self.frames) and time.monotonic() < deadline:
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                continue
            if not data:
                break
            self._consume(data)
        return self.frames

    def _consume(self, data: bytes) -> None:
        self._raw += data
        if not self._headers_done:
            head, sep, rest = self._raw.partition(b"\r\n\r\n")
            if not sep:
                return
            lines = head.decode("latin-1").split("\r\n")
            self.status = int(lines[0].split()[1])
            self._chunked = any(
                line.lower().replace(" ", "") == "transfer-encoding:chunked" for line in lines[1:]
            )
            self._headers_done, self._raw = True, rest
        if self._chunked:
            while True:
                size_line, sep, rest = self._raw.partition(b"\r\n")
                if not sep:
                    break
                size = int(size_line.split(b";")[0], 16)
                if len(rest) < size + 2:
                    break
                self._body += rest[:size]
                self._raw = rest[size + 2 :]
        else:
            self._body, self._raw = self._body + self._raw, b""
        *complete, self._body = self._body.split(b"\n")
        for raw_line in complete:
            frame = self._parser.feed(raw_line.rstrip(b"\r").decode("utf-8"))
            if frame is not None:
                self.frames.append(frame)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


# ---------------------------------------------------------------------------------------- events


def transcript(
    text: str = "hello",
    *,
    session: str | None = "s1",
    plugin: str | None = "stt-1",
    confidence: float | None = 0.9,
    at: datetime | None = None,
    **kwargs: Any,
) -> STTTranscriptEvent:
    extra: dict[str, Any] = {"timestamp": at} if at is not None else {}
    return STTTranscriptEvent(
        text=text, session_id=session, plugin_name=plugin, confidence=confidence, **extra, **kwargs
    )


def pcm(frames: int, channels: int = 1, seed: int = 0) -> bytes:
    """Deterministic interleaved s16 PCM: ``frames`` frames of ``channels`` samples."""
    rng = np.random.default_rng(seed)
    return rng.integers(-20000, 20000, size=frames * channels, dtype=np.int16).tobytes()


def audio_event(
    frames: int = 800,
    *,
    sample_rate: int = 8000,
    channels: int = 1,
    session: str | None = "s1",
    plugin: str | None = "vad-1",
    seed: int = 0,
) -> VADAudioEvent:
    return VADAudioEvent(
        audio_data=pcm(frames, channels, seed),
        sample_rate=sample_rate,
        channels=channels,
        duration_ms=frames * 1000.0 / sample_rate,
        speech_probability=0.8,
        session_id=session,
        plugin_name=plugin,
    )


def tts_chunk(
    synthesis_id: str,
    index: int,
    frames: int = 400,
    *,
    sample_rate: int = 16000,
    session: str | None = "s1",
    at: datetime | None = None,
) -> TTSAudioEvent:
    extra: dict[str, Any] = {"timestamp": at} if at is not None else {}
    return TTSAudioEvent(
        audio_data=pcm(frames, 1, seed=100 + index),
        sample_rate=sample_rate,
        chunk_index=index,
        is_final_chunk=False,
        synthesis_id=synthesis_id,
        session_id=session,
        plugin_name="tts-1",
        **extra,
    )


def register_all(registry: EventRegistry, events: list[BaseEvent]) -> list[int]:
    return [registry.register_event(event) for event in events]
