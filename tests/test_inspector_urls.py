"""URLs: every link and fetch of the inspector under its mount prefix, ids as one encoded segment."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from inspector.urls import URLs, root_path, segment

ODD = "odd/id?x=1#frag ü"


def _request(root: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "root_path": root, "headers": []})


@pytest.mark.parametrize(("root", "expected"), [("", ""), ("/inspector", "/inspector"), ("/a/b/", "/a/b")])
def test_root_path_is_the_mount_prefix_without_a_trailing_slash(root: str, expected: str) -> None:
    assert root_path(_request(root)) == expected
    assert URLs.of(_request(root)).root == expected


def test_segment_encodes_everything_reserved() -> None:
    assert segment(ODD) == "odd%2Fid%3Fx%3D1%23frag%20%C3%BC"
    assert segment("plain-id_1.2~x") == "plain-id_1.2~x"


def test_paths_carry_the_prefix_and_the_query() -> None:
    urls = URLs("/mnt")
    assert urls.path("/") == "/mnt/"
    assert urls.path("/stats", "type=stt_error") == "/mnt/stats?type=stt_error"
    assert urls.path("/stats", "") == "/mnt/stats"
    assert urls.path("/api/events", {"limit": 5, "after": None, "q": ""}) == "/mnt/api/events?limit=5"
    assert urls.path("/api/events", [("type", "a"), ("type", "b")]) == "/mnt/api/events?type=a&type=b"
    assert URLs().path("/stats") == "/stats"


def test_a_path_without_a_leading_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="path='stats': must start with '/'"):
        URLs().path("stats")


def test_ids_are_one_segment_in_every_url() -> None:
    urls = URLs("/mnt")
    encoded = "odd%2Fid%3Fx%3D1%23frag%20%C3%BC"
    assert urls.event_page(ODD) == f"/mnt/events/{encoded}"
    assert urls.api_event(ODD) == f"/mnt/api/events/{encoded}"
    assert urls.event_audio(ODD) == f"/mnt/api/events/{encoded}/audio.wav"
    assert urls.synthesis_audio(ODD) == f"/mnt/api/syntheses/{encoded}/audio.wav"
    assert urls.api_session(ODD) == f"/mnt/api/sessions/{encoded}"
    assert urls.live(ODD) == "/mnt/?session=odd%2Fid%3Fx%3D1%23frag+%C3%BC"
    assert urls.live() == "/mnt/"
