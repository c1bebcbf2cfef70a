"""Access control: loopback-only by default, a token beyond it, Host checks and CSRF protection.

* Host header: only the names this server was bound to (and loopback names) are served, so a web
  page elsewhere cannot reach the inspector through DNS rebinding.
* Token: when set, every request must carry it (``?token=``, ``Authorization: Bearer``, or the
  cookie set after a ``?token=`` visit); otherwise 401.
* State-changing requests (POST, PUT, PATCH, DELETE) must send the page's CSRF token in the
  ``X-Inspector-CSRF`` header and, when the browser sends one, a same-origin ``Origin``.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inspector.settings import InspectorSettings, is_loopback

__all__ = ["CSRF_HEADER", "TOKEN_COOKIE", "SecurityMiddleware"]

TOKEN_COOKIE = "inspector_token"
CSRF_HEADER = "x-inspector-csrf"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}
#: Scripts, styles and media only from this server (audio plays from blob URLs); no framing.
_SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        b"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: InspectorSettings, csrf_token: str) -> None:
        self.app = app
        self.settings = settings
        self.csrf_token = csrf_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self._host_allowed(host):
            await _deny(send, 403, f"Host={host!r}: not a name this inspector serves (DNS rebinding guard)")
            return
        token = self.settings.token
        set_cookie = False
        if token:
            given = self._given_token(scope, headers)
            if given is None or not hmac.compare_digest(given, token):
                await _deny(send, 401, "token: missing or wrong; open the URL printed at start-up")
                return
            set_cookie = b"token=" in scope.get("query_string", b"")
        if scope["method"] in _UNSAFE:
            csrf = headers.get(CSRF_HEADER, "")
            origin = headers.get("origin")
            if not hmac.compare_digest(csrf, self.csrf_token):
                await _deny(send, 403, f"{CSRF_HEADER}: missing or wrong (state-changing request)")
                return
            if origin is not None and urlsplit(origin).netloc != host:
                await _deny(send, 403, f"Origin={origin!r}: cross-origin state-changing request refused")
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(_SECURITY_HEADERS)
                if set_cookie:
                    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                    extra.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _host_allowed(self, host_header: str) -> bool:
        if not is_loopback(self.settings.host):
            return True  # bound beyond loopback: reachable by any name, the token guards it
        name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return name in _LOOPBACK_NAMES or name == self.settings.host

    def _given_token(self, scope: Scope, headers: dict[str, str]) -> str | None:
        query: dict[str, list[str]] = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        if query.get("token"):
            return query["token"][0]
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        cookie = SimpleCookie(headers.get("cookie", ""))
        morsel = cookie.get(TOKEN_COOKIE)
        return str(morsel.value) if morsel is not None else None


async def _deny(send: Send, status: int, message: str) -> None:
    body = json.dumps({"ok": False, "error": message, "status": status}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
