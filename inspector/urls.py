"""Every URL the inspector builds, in one place: under the prefix it is mounted at, ids percent-encoded.

The inspector may be the whole server (``/``) or mounted in someone else's app (``/inspector``):
``root_path`` from the ASGI scope says which. Event, session and synthesis ids are free text (they may
hold ``/``, ``?`` or ``#``), so each becomes one encoded path segment. Views build ``URLs.of(request)``
and hand it to templates as ``urls``; the page reads the same prefix from its ``inspector-root`` meta
tag, and ``static/urls.js`` mirrors these methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from starlette.requests import HTTPConnection

__all__ = ["URLs", "root_path", "segment"]

#: Query parameters as a ready string ("a=1&b=2"), a mapping, or (name, value) pairs.
Query = str | Mapping[str, object] | Sequence[tuple[str, object]] | None


def root_path(conn: HTTPConnection) -> str:
    """The prefix the inspector is mounted under ("" when it is the whole app)."""
    return str(conn.scope.get("root_path", "")).rstrip("/")


def segment(value: str) -> str:
    """One path segment: everything but unreserved characters encoded, ``/``, ``?`` and ``#`` too."""
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class URLs:
    """Prefix-aware URLs of the inspector's pages and API (paths only, no scheme or host)."""

    root: str = ""

    @classmethod
    def of(cls, conn: HTTPConnection) -> URLs:
        return cls(root_path(conn))

    def path(self, path: str, query: Query = None) -> str:
        """``path`` (starting with ``/``) under the prefix, with ``query`` when it is not empty."""
        if not path.startswith("/"):
            raise ValueError(f"path={path!r}: must start with '/'")
        if query is None or isinstance(query, str):
            text = query or ""
        else:
            pairs = query.items() if isinstance(query, Mapping) else query
            text = urlencode([(k, v) for k, v in pairs if v is not None and v != ""])
        return f"{self.root}{path}" + (f"?{text}" if text else "")

    # pages
    def event_page(self, event_id: str) -> str:
        return self.path(f"/events/{segment(event_id)}")

    def live(self, session_id: str | None = None) -> str:
        """The live view, narrowed to one session when given."""
        return self.path("/", {"session": session_id} if session_id else None)

    # API
    def api_event(self, event_id: str) -> str:
        return self.path(f"/api/events/{segment(event_id)}")

    def event_audio(self, event_id: str) -> str:
        return self.path(f"/api/events/{segment(event_id)}/audio.wav")

    def synthesis_audio(self, synthesis_id: str) -> str:
        return self.path(f"/api/syntheses/{segment(synthesis_id)}/audio.wav")

    def api_session(self, session_id: str) -> str:
        return self.path(f"/api/sessions/{segment(session_id)}")
