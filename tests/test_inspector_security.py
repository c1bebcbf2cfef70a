"""Access control against a real uvicorn: loopback by default, a token beyond it (and on loopback
when set), the DNS-rebinding Host guard, and CSRF protection of state-changing requests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from inspector_server import Running, run_server, transcript

from inspector.app import InspectorServer, start_inspector
from inspector.settings import InspectorSettings, is_loopback
from plugins_core import EventRegistry

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def guarded() -> Iterator[Running]:
    """Loopback, with a token (so that token handling is tested without binding beyond it)."""
    registry = EventRegistry()
    registry.register_event(transcript("hello"))
    with run_server(registry, token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def open_server() -> Iterator[Running]:
    registry = EventRegistry()
    registry.register_event(transcript("hello"))
    with run_server(registry) as running:
        yield running


def _bare(running: Running) -> httpx.Client:
    """A client with no cookie jar left over from other requests."""
    return httpx.Client(base_url=running.base_url, timeout=5.0)


# ---------------------------------------------------------------------------------------- binding


def test_binds_loopback_by_default() -> None:
    assert InspectorSettings().host == "127.0.0.1"
    server = start_inspector(EventRegistry(), port=0)
    try:
        sockets = [sock for srv in server.server.servers for sock in srv.sockets]
        assert [sock.getsockname()[0] for sock in sockets] == ["127.0.0.1"]
        assert server.url == f"http://127.0.0.1:{server.bound_port}/"
    finally:
        server.stop_thread()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_non_loopback_host_without_token_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match=rf"host={host!r}") as caught:
        InspectorSettings(host=host)
    assert "token" in str(caught.value)
    with pytest.raises(ValueError, match="host="):
        InspectorServer(EventRegistry(), InspectorSettings(host=host, token=""))
    assert InspectorSettings(host=host, token="t").token == "t"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# ------------------------------------------------------------------------------------------ token


@pytest.mark.parametrize("path", ["/api/health", "/api/events", "/api/stream", "/", "/static/app.css"])
def test_requests_without_the_token_get_401(guarded: Running, path: str) -> None:
    with _bare(guarded) as client:
        response = client.get(path)
    assert response.status_code == 401
    body = response.json()
    assert body["ok"] is False and body["status"] == 401 and body["error"].startswith("token:")


def test_wrong_token_gets_401(guarded: Running) -> None:
    with _bare(guarded) as client:
        assert client.get("/api/health", params={"token": "wrong"}).status_code == 401
        assert client.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        client.cookies.set("inspector_token", "wrong")
        assert client.get("/api/health").status_code == 401


def test_token_in_query_sets_a_cookie_that_then_works_alone(guarded: Running) -> None:
    with _bare(guarded) as client:
        first = client.get("/api/health", params={"token": TOKEN})
        assert first.status_code == 200
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"inspector_token={TOKEN};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert client.cookies.get("inspector_token") == TOKEN
        again = client.get("/api/events")  # cookie only
        assert again.status_code == 200 and again.json()["count"] >= 1
        assert "set-cookie" not in again.headers


def test_bearer_token_works(guarded: Running) -> None:
    with _bare(guarded) as client:
        response = client.get("/api/events", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.json()["count"] >= 1


def test_stream_with_token_streams(guarded: Running) -> None:
    reader = guarded.stream(f"?token={TOKEN}")
    with reader:
        seq = guarded.registry.register_event(transcript("streamed"))
        assert reader.wait_seq(seq)
    cookie_reader = guarded.stream(headers={"Cookie": f"inspector_token={TOKEN}"})
    with cookie_reader:
        seq = guarded.registry.register_event(transcript("streamed again"))
        assert cookie_reader.wait_seq(seq)


# ------------------------------------------------------------------------------------ Host header


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "10.0.0.5"]
)
def test_foreign_host_header_is_refused_on_loopback(open_server: Running, host: str) -> None:
    response = open_server.get("/api/health", headers={"Host": host.format(port=open_server.port)})
    assert response.status_code == 403
    assert "DNS rebinding" in response.json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "localhost", "[::1]:{port}"])
def test_loopback_host_headers_are_served(open_server: Running, host: str) -> None:
    response = open_server.get("/api/health", headers={"Host": host.format(port=open_server.port)})
    assert response.status_code == 200


def test_host_guard_runs_before_the_token(guarded: Running) -> None:
    response = guarded.get(f"/api/health?token={TOKEN}", headers={"Host": "evil.example"})
    assert response.status_code == 403


def _can_bind_all_interfaces() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _can_bind_all_interfaces(), reason="cannot bind 0.0.0.0 here")
def test_beyond_loopback_any_host_name_but_the_token_is_required() -> None:
    server = InspectorServer(EventRegistry(), InspectorSettings(host="0.0.0.0", port=0, token=TOKEN))
    server.start_in_thread()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/api/health"
        assert server.url == f"http://0.0.0.0:{server.bound_port}/?token={TOKEN}"
        named = {"Host": "inspector.lan"}
        assert httpx.get(url, headers=named).status_code == 401
        assert httpx.get(url, headers={**named, "Authorization": f"Bearer {TOKEN}"}).status_code == 200
    finally:
        server.stop_thread()


# ------------------------------------------------------------------------------------------- CSRF


def test_post_without_csrf_header_is_403_and_changes_nothing(open_server: Running) -> None:
    before = len(open_server.registry)
    for headers in ({}, {"X-Inspector-CSRF": "wrong"}, {"X-Inspector-CSRF": ""}):
        response = open_server.client.post("/api/clear", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"].startswith("x-inspector-csrf:")
    assert len(open_server.registry) == before > 0


def test_cross_origin_post_is_403_even_with_the_csrf_token(open_server: Running) -> None:
    headers = {"X-Inspector-CSRF": open_server.csrf, "Origin": "http://evil.example"}
    response = open_server.client.post("/api/clear", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"].startswith("Origin='http://evil.example'")
    assert len(open_server.registry) > 0


def test_post_with_csrf_token_and_same_origin_is_200() -> None:
    with run_server() as srv:
        srv.registry.register_event(transcript("x"))
        same = {"X-Inspector-CSRF": srv.csrf, "Origin": srv.base_url}
        assert srv.client.post("/api/clear", headers=same).json() == {"ok": True, "cleared": 1}
        srv.registry.register_event(transcript("y"))
        no_origin = srv.client.post("/api/clear", headers={"X-Inspector-CSRF": srv.csrf})
        assert no_origin.status_code == 200 and no_origin.json()["cleared"] == 1


def test_post_on_a_token_server_needs_token_and_csrf(guarded: Running) -> None:
    with _bare(guarded) as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert client.post("/api/clear", headers={"X-Inspector-CSRF": guarded.csrf}).status_code == 401
        assert client.post("/api/clear", headers=auth).status_code == 403
        guarded.registry.register_event(transcript("to clear"))
        ok = client.post("/api/clear", headers={**auth, "X-Inspector-CSRF": guarded.csrf})
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert len(guarded.registry) == 0


def test_each_app_has_its_own_csrf_token(open_server: Running, guarded: Running) -> None:
    assert open_server.csrf != guarded.csrf and len(open_server.csrf) >= 24
    response = open_server.client.post("/api/clear", headers={"X-Inspector-CSRF": guarded.csrf})
    assert response.status_code == 403
