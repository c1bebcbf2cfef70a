"""Running the inspector: in a background thread for a synchronous program, on a running loop,
mounted in a user's Starlette app, fed from plugin threads while it streams, and from the command
line (``python -m inspector serve``) in a subprocess."""

from __future__ import annotations

import asyncio
import io
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from inspector_server import RawStream, StreamReader, audio_event, run_server, transcript
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from inspector.app import InspectorServer, create_app, start_inspector
from inspector.cli import build_parser
from inspector.settings import InspectorSettings
from inspector.state import InspectorState, state_of
from plugins_core import BaseEvent, EventRegistry, __version__, read_ndjson, write_ndjson

ROOT = Path(__file__).resolve().parents[1]


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# -------------------------------------------------------------------------------- in a thread


def test_start_inspector_serves_from_a_background_thread_and_stops_cleanly() -> None:
    registry = EventRegistry()
    registry.register_event(transcript("from a sync program"))
    server = start_inspector(registry, port=0)
    thread = server._thread
    assert thread is not None and thread.is_alive() and thread.daemon
    assert thread is not threading.current_thread()
    port = server.bound_port
    assert port is not None and server.url == f"http://127.0.0.1:{port}/"
    try:
        body = httpx.get(f"{server.url}api/events", timeout=5).json()
        assert [e["text"] for e in body["events"]] == ["from a sync program"]
        sessions = httpx.get(f"{server.url}api/sessions", timeout=5).json()["sessions"]
        assert [s["session_id"] for s in sessions] == ["s1"]  # the tracker runs (lifespan)
    finally:
        server.stop_thread()
    assert not thread.is_alive()
    assert _refused(port)
    assert registry.get_statistics()["subscriptions"] == 0  # the tracker let go too


def test_start_inspector_passes_settings_through() -> None:
    server = start_inspector(EventRegistry(), port=0, token="tok", client_queue=7, ping_s=0.5)
    try:
        assert server.settings.client_queue == 7 and server.settings.ping_s == 0.5
        assert server.url.endswith("/?token=tok")
        assert httpx.get(server.url.replace("/?", "/api/health?"), timeout=5).status_code == 200
        assert httpx.get(server.url.split("?")[0] + "api/health", timeout=5).status_code == 401
    finally:
        server.stop_thread()


# uvicorn's Server.run ends its thread with sys.exit(1) when it cannot bind; pytest reports that
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_start_in_thread_reports_a_port_in_use() -> None:
    with run_server() as srv:
        clash = InspectorServer(EventRegistry(), InspectorSettings(port=srv.port))
        with pytest.raises(RuntimeError, match="failed to start"):
            clash.start_in_thread(timeout=5)


def test_stop_thread_stops_even_with_a_stream_client_connected() -> None:
    server = start_inspector(EventRegistry(), port=0, ping_s=0.1)
    thread = server._thread
    assert thread is not None
    reader = StreamReader(f"{server.url}api/stream").start()
    try:
        server.stop_thread(timeout=10)
        assert not thread.is_alive()
        reader.join(5)
        assert not reader.running  # its stream ended
        # ended by the server, as a complete response: not cut off after uvicorn's graceful-shutdown
        # timeout, which is what waiting for the client to leave would come to
        assert reader.error is None, reader.error
        assert [f.event for f in reader.snapshot()] == ["hello"]
    finally:
        reader.close()
        thread.join(5)


def test_stop_thread_stops_even_with_a_stalled_stream_client() -> None:
    server = start_inspector(EventRegistry(max_events=1000), port=0, client_queue=100)
    thread = server._thread
    port = server.bound_port
    assert thread is not None and port is not None
    stalled = RawStream(port)
    try:
        stalled.read_until(lambda frames: any(f.event == "hello" for f in frames), 5)
        registry = server.state.registry
        pad = "x" * 20_000
        for _ in range(10):  # enough to fill the socket buffers: the server's writes block
            for _ in range(50):
                registry.register_event(transcript(pad))
            time.sleep(0.05)
        try:
            server.stop_thread(timeout=10)  # a hang guard: a stalled peer would hold it forever
        except TimeoutError:
            pass
        stopped = not thread.is_alive()
    finally:
        stalled.close()
        thread.join(10)
    assert stopped, "stop_thread() did not stop the server while a client was stalled"


# ------------------------------------------------------------------------------- on the loop


@pytest.mark.asyncio
async def test_start_and_stop_on_a_running_loop() -> None:
    registry = EventRegistry()
    registry.register_event(transcript("async", session="loop"))
    server = InspectorServer(registry, InspectorSettings(port=0, ping_s=0.2))
    await server.start()
    port = server.bound_port
    assert port is not None and server.server.started
    lines: list[str] = []
    errors: list[httpx.HTTPError] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        sessions = (await client.get("/api/sessions")).json()["sessions"]
        assert [s["session_id"] for s in sessions] == ["loop"]

        async def read() -> None:
            try:
                async with client.stream("GET", "/api/stream") as response:
                    async for line in response.aiter_lines():
                        lines.append(line)
            except httpx.HTTPError as exc:
                errors.append(exc)  # the connection was cut instead of the stream ending

        reader = asyncio.get_running_loop().create_task(read())
        for _ in range(100):
            if any(line == "event: hello" for line in lines):
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(server.stop(), 10)
        await asyncio.wait_for(reader, 5)
    assert "event: hello" in lines
    assert errors == [], "stop() ends open streams itself (a complete response), it does not wait them out"
    assert _refused(port)
    assert registry.get_statistics()["subscriptions"] == 0


# ------------------------------------------------------------------------------------- state


def test_app_state_is_one_typed_object_reached_through_state_of() -> None:
    registry = EventRegistry()
    settings = InspectorSettings(client_queue=7)
    app = create_app(registry, settings)
    state = state_of(app)
    assert isinstance(state, InspectorState)
    assert state.registry is registry and state.settings is settings
    assert state.tracker.registry is registry and state.hub.clients == {}
    assert state.version == __version__ and len(state.csrf_token) >= 32
    assert state_of(create_app(registry)).csrf_token != state.csrf_token
    with pytest.raises(RuntimeError, match="not an inspector app"):
        state_of(Starlette())


# ---------------------------------------------------------------------------------- mounted


def _mounted(registry: EventRegistry) -> tuple[Starlette, Starlette]:
    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("my own app")

    inspector = create_app(registry)
    outer = Starlette(routes=[Route("/", home), Mount("/inspector", app=inspector)])
    return outer, inspector


def _registry_with_audio() -> tuple[EventRegistry, BaseEvent]:
    registry = EventRegistry()
    registry.register_event(transcript("hello", session="mounted"))
    audio = audio_event(session="mounted")
    registry.register_event(audio)
    return registry, audio


def test_create_app_mounted_in_a_user_app_serves_its_api_and_pages() -> None:
    registry, audio = _registry_with_audio()
    outer, inspector = _mounted(registry)
    with TestClient(outer, base_url="http://127.0.0.1") as client:
        assert client.get("/").text == "my own app"
        assert client.get("/inspector/api/health").json()["last_seq"] == 2
        events = client.get("/inspector/api/events").json()["events"]
        assert [e["seq"] for e in events] == [1, 2]
        assert client.get(f"/inspector/api/events/{audio.event_id}").json()["event"]["seq"] == 2
        wav = client.get(f"/inspector/api/events/{audio.event_id}/audio.wav")
        assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
        assert client.get("/inspector/api/stats").json()["statistics"]["total_events"] == 2
        exported = client.get("/inspector/api/export.ndjson").text
        assert len(list(read_ndjson(io.StringIO(exported)))) == 2
        page = client.get("/inspector/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert client.get("/inspector/api/events?type=nope").status_code == 400
        csrf = {"X-Inspector-CSRF": state_of(inspector).csrf_token}
        assert client.post("/inspector/api/clear").status_code == 403
        assert client.post("/inspector/api/clear", headers=csrf).json() == {"ok": True, "cleared": 2}
        # the Host guard still applies to the inspector's routes
        assert client.get("/inspector/api/health", headers={"Host": "evil.example"}).status_code == 403


def test_mounted_app_follows_sessions() -> None:
    registry, _ = _registry_with_audio()
    outer, _ = _mounted(registry)
    with TestClient(outer, base_url="http://127.0.0.1") as client:
        sessions = client.get("/inspector/api/sessions").json()["sessions"]
    assert [s["session_id"] for s in sessions] == ["mounted"]


def test_mounted_app_audio_url_resolves() -> None:
    registry, audio = _registry_with_audio()
    outer, _ = _mounted(registry)
    with TestClient(outer, base_url="http://127.0.0.1") as client:
        sent = client.get(f"/inspector/api/events/{audio.event_id}").json()["event"]
        response = client.get(sent["audio"]["url"])
    assert response.status_code == 200


def test_mounted_api_errors_stay_json_for_a_browser() -> None:
    registry, _ = _registry_with_audio()
    outer, _ = _mounted(registry)
    with TestClient(outer, base_url="http://127.0.0.1") as client:
        response = client.get("/inspector/api/events?type=nope", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"


# ------------------------------------------------------------------------------ plugin threads


def test_plugin_threads_emit_while_a_client_streams_every_seq_once_in_order() -> None:
    threads_n, per_thread = 4, 5000
    total = threads_n * per_thread
    with run_server(EventRegistry(max_events=total), client_queue=total + 1000) as srv:
        with srv.stream(timeout=30) as reader:
            barrier = threading.Barrier(threads_n)
            errors: list[BaseException] = []

            def plugin(name: str) -> None:
                try:
                    barrier.wait()
                    for i in range(per_thread):
                        srv.registry.register_event(transcript(f"{i}", session=name, plugin=name))
                except BaseException as exc:
                    errors.append(exc)

            workers = [threading.Thread(target=plugin, args=(f"plugin-{n}",)) for n in range(threads_n)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(30)
            assert not errors
            assert srv.registry.last_seq == total
            assert reader.wait_seq(total, timeout=20)
            frames = reader.snapshot()
    seqs = [seq for frame in frames for seq in frame.seqs]
    assert seqs == list(range(1, total + 1))  # all, once each, in order
    assert not [f for f in frames if f.event in ("dropped", "gap")]
    per_plugin: dict[str, list[int]] = {}
    for frame in frames:
        for event in frame.events:
            per_plugin.setdefault(event["plugin_name"], []).append(int(event["text"]))
    assert {name: texts == list(range(per_thread)) for name, texts in per_plugin.items()} == {
        f"plugin-{n}": True for n in range(threads_n)
    }


# ----------------------------------------------------------------------------------------- CLI


def test_build_parser_serve_and_demo() -> None:
    parser = build_parser()
    serve = parser.parse_args(["serve", "--port", "0", "a.ndjson", "b.ndjson"])
    assert serve.command == "serve" and serve.port == 0 and serve.host == "127.0.0.1"
    assert serve.load == [Path("a.ndjson"), Path("b.ndjson")]
    assert (serve.token, serve.open, serve.max_events, serve.max_audio_mb) == (None, False, 50_000, 64)
    demo = parser.parse_args(["demo", "--rounds", "1", "--host", "0.0.0.0", "--token", "t", "-v"])
    assert demo.command == "demo" and demo.rounds == 1 and demo.port == 8765
    assert (demo.host, demo.token, demo.verbose, demo.mic, demo.speaker) == (
        "0.0.0.0",
        "t",
        True,
        False,
        False,
    )
    assert parser.parse_args(["demo"]).rounds is None


@pytest.mark.parametrize("argv", [[], ["serve", "--port", "eighty"], ["nope"], ["demo", "--rounds", "x"]])
def test_build_parser_refuses_bad_command_lines(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert "usage: plugins-inspector" in capsys.readouterr().err


class Cli:
    """``python -m inspector ...`` in a subprocess, its stdout read line by line in a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, needle: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} not printed; got {self.seen!r}")

    def stop(self, sig: signal.Signals, timeout: float = 5.0) -> tuple[int, list[str]]:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, self.seen


@contextmanager
def _cli(*args: str) -> Iterator[Cli]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "inspector", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            yield Cli(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def export_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[BaseEvent]]:
    events: list[BaseEvent] = [transcript(f"saved {i}", session="saved") for i in range(4)]
    events.append(audio_event(session="saved"))
    path = tmp_path_factory.mktemp("export") / "events.ndjson"
    with path.open("w", encoding="utf-8") as handle:
        write_ndjson(events, handle)
    return path, events


def test_cli_serve_loads_an_export_serves_it_and_stops_on_sigterm(
    export_file: tuple[Path, list[BaseEvent]],
) -> None:
    path, events = export_file
    port = _free_port()
    with _cli("serve", "--port", str(port), str(path)) as cli:
        assert cli.wait_line("loaded") == f"loaded 5 events from {path}"
        line = cli.wait_line("http://")
        url = f"http://127.0.0.1:{port}/"
        assert line.startswith(f"plugins-inspector serve: {url}")
        body = httpx.get(f"{url}api/events", timeout=5).json()
        assert [e["event_id"] for e in body["events"]] == [e.event_id for e in events]
        wav = httpx.get(f"{url}api/events/{events[-1].event_id}/audio.wav", timeout=5)
        assert wav.status_code == 200
        code, lines = cli.stop(signal.SIGTERM, timeout=10)
    assert (code, lines[-1:]) == (0, ["plugins-inspector: stopped"])
    assert _refused(port)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_exits_0_and_says_stopped_on_a_signal(
    export_file: tuple[Path, list[BaseEvent]], sig: signal.Signals
) -> None:
    with _cli("serve", "--port", "0", str(export_file[0])) as cli:
        cli.wait_line("http://")
        code, lines = cli.stop(sig)
    assert (code, lines[-1:]) == (0, ["plugins-inspector: stopped"])


def test_cli_stops_on_sigterm_while_a_browser_streams() -> None:
    with _cli("serve", "--port", "0") as cli:
        url = cli.wait_line("http://").split()[2]
        with StreamReader(f"{url}api/stream", timeout=10) as reader:
            code, lines = cli.stop(signal.SIGTERM, timeout=10)
            reader.join(5)
            assert not reader.running
            assert reader.error is None, "the server ended the stream, it did not wait the client out"
    assert (code, lines[-1:]) == (0, ["plugins-inspector: stopped"])


def _can_bind_all_interfaces() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _can_bind_all_interfaces(), reason="cannot bind 0.0.0.0 here")
def test_cli_beyond_loopback_without_token_generates_one() -> None:
    with _cli("serve", "--host", "0.0.0.0", "--port", "0") as cli:
        notice = cli.wait_line("generated a token")
        assert notice == "--host 0.0.0.0 is reachable from other machines: generated a token"
        line = cli.wait_line("http://")
        url = line.split()[2]
        assert url.startswith("http://0.0.0.0:") and "/?token=" in url
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("?token=")[1]
        assert len(token) >= 16
        health = f"http://127.0.0.1:{port}/api/health"
        assert httpx.get(health, timeout=5).status_code == 401
        assert httpx.get(health, params={"token": token}, timeout=5).status_code == 200
        cli.stop(signal.SIGTERM)


@pytest.mark.parametrize("name", ["bad.ndjson", "missing.ndjson"])
def test_cli_refuses_a_bad_file_with_a_message_not_a_traceback(tmp_path: Path, name: str) -> None:
    (tmp_path / "bad.ndjson").write_text("not json\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "inspector", "serve", "--port", "0", str(tmp_path / name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert "http://" not in result.stdout  # nothing was served
    assert "Traceback" not in result.stderr
    assert result.returncode == 2 and result.stderr.startswith("plugins-inspector: ")
