"""What the browser tests look at: the page's DOM (rows, the stream status, the timeline's summary
on #timeline, its tooltip) and the server's API, never the page's modules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page

from plugins_core import EventRegistry, STTTranscriptEvent

if TYPE_CHECKING:  # the fixture's type; pytest provides the object (conftest.py)
    from conftest import LiveInspector

__all__ = [
    "WAIT_MS",
    "api_seqs",
    "find_mark",
    "open_live",
    "row_seqs",
    "rows_data",
    "timeline_session",
    "timeline_shows",
    "transcripts",
    "url_params",
    "wait_ready",
    "wait_rows_match_api",
]

WAIT_MS = 8_000


def open_live(page: Page, live: LiveInspector, query: str = "") -> None:
    """Open the Live page and wait until its rows are loaded and its stream is connected."""
    page.goto(f"{live.url}/{'?' + query if query else ''}")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    page.wait_for_function(
        """() => document.querySelector('#live').dataset.state === 'ready'
             && document.querySelector('#stream-status').dataset.state === 'live'""",
        timeout=WAIT_MS,
    )


def row_seqs(page: Page) -> list[int]:
    seqs: list[int] = page.eval_on_selector_all(
        "#event-list .row", "rows => rows.map(r => Number(r.dataset.seq))"
    )
    return seqs


def rows_data(page: Page, key: str) -> list[str]:
    values: list[str] = page.eval_on_selector_all(
        "#event-list .row", "(rows, key) => rows.map(r => r.dataset[key] || '')", key
    )
    return values


def api_seqs(live: LiveInspector, query: str) -> list[int]:
    body = live.api(f"/api/events?{query}&limit=500" if query else "/api/events?limit=500")
    return [event["seq"] for event in body["events"]]


def url_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_rows_match_api(page: Page, live: LiveInspector, query: str) -> None:
    """The list shows exactly what the API returns for the same filter (newest first)."""
    expected = list(reversed(api_seqs(live, query)))
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('#event-list .row')]"
        ".map(r => Number(r.dataset.seq))) === JSON.stringify(expected)",
        arg=expected,
        timeout=WAIT_MS,
    )


def timeline_shows(page: Page, *, session: str | None = None, types: str | None = None) -> None:
    """Wait until the timeline draws something, all of ``session`` and of ``types`` (the summary of
    what it drew that the page keeps on #timeline: data-items, data-sessions, data-types)."""
    page.wait_for_function(
        """([session, types]) => {
             const d = document.querySelector('#timeline').dataset;
             return Number(d.items) > 0 && (session === null || d.sessions === session)
               && (types === null || d.types === types);
           }""",
        arg=[session, types],
        timeout=WAIT_MS,
    )


def timeline_session(page: Page) -> str:
    return page.locator("#timeline").get_attribute("data-session") or ""


def transcripts(registry: EventRegistry, session: str, count: int) -> None:
    for i in range(count):
        registry.register_event(STTTranscriptEvent(text=f"queued {i}", session_id=session, plugin_name="stt"))


def find_mark(page: Page, event_type: str, lane: int) -> tuple[float, float, str]:
    """Move the mouse along a lane of the timeline (0 = VAD, 1 = STT, ...) until the tooltip names
    ``event_type``; returns where (page coordinates) and the event's seq, as the tooltip gives it."""
    box = page.locator("#timeline-canvas").bounding_box()
    assert box is not None
    axis, gutter, right_pad, lanes = 22, 72, 10, 5  # static/timeline-view.js: AXIS, GUTTER, RIGHT_PAD
    lane_height = (box["height"] - axis - 2 - 4) / lanes
    y = box["y"] + axis + 2 + (lane + 0.5) * lane_height
    tooltip = page.locator("#timeline-tooltip")
    x = box["x"] + gutter + 2
    while x < box["x"] + box["width"] - right_pad:
        page.mouse.move(x, y)
        if tooltip.is_visible():
            text = tooltip.inner_text()
            if event_type in text.split():
                match = re.search(r"#(\d+) · click to open", text)
                assert match is not None, text
                return x, y, match.group(1)
        x += 3
    raise AssertionError(f"no {event_type} mark in lane {lane} of the timeline")
