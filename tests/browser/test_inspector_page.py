"""The inspector in a real browser: live rows, filters in the URL, the timeline, audio, pause and
resume, stats, escaping, the keyboard, themes and layout, and the app mounted under a prefix in a
user's own app. Feeds come from the real plugin classes (see conftest.py); each test that needs quiet
data uses sessions of its own. The tests look at the DOM (and the network), never into the page's
modules."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import uvicorn
from playwright.sync_api import Page, Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from inspector.app import InspectorServer, create_app
from inspector.settings import InspectorSettings
from inspector.state import state_of
from plugins_core import (
    EventRegistry,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
)

if TYPE_CHECKING:  # the fixture's type; pytest provides the object (conftest.py)
    from conftest import LiveInspector

pytestmark = pytest.mark.browser

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


# ------------------------------------------------------------------------------------ live rows


def test_rows_appear_live_while_the_feeder_runs(page: Page, live: LiveInspector) -> None:
    open_live(page, live)
    start = max(row_seqs(page), default=0)
    talker = live.feeder.pipeline("sess-live")
    live.feeder.start_ambient(talker, [("are you there", 0.9), ("still talking", 0.8)])
    try:
        page.wait_for_function(
            "start => [...document.querySelectorAll('#event-list .row[data-session=\"sess-live\"]')]"
            ".filter(r => Number(r.dataset.seq) > start).length >= 20",
            arg=start,
            timeout=WAIT_MS,
        )
    finally:
        live.feeder.stop_ambient()
    last = live.api("/api/health")["last_seq"]
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)", arg=last
    )
    seqs = row_seqs(page)
    assert seqs == sorted(seqs, reverse=True), "newest first"
    assert len(seqs) == len(set(seqs)), "no row twice"
    assert page.locator("#list-count").inner_text() == str(len(seqs))
    # auto mode: the timeline shows the latest session (it moves on once that one goes quiet)
    assert timeline_session(page) in {"sess-alpha", "sess-beta", "sess-live"}
    page.wait_for_function("() => Number(document.querySelector('#timeline').dataset.items) > 0")


# -------------------------------------------------------------------------------------- filters


def test_filters_narrow_list_and_timeline_and_live_in_the_url(page: Page, live: LiveInspector) -> None:
    open_live(page, live)

    # a click on a session narrows to it
    page.locator('#sessions a.session-link[data-session-id="sess-beta"]').click()
    page.wait_for_function("() => document.querySelector('#timeline').dataset.session === 'sess-beta'")
    wait_ready(page)
    assert url_params(page) == {"session": ["sess-beta"]}
    wait_rows_match_api(page, live, "session=sess-beta")
    assert set(rows_data(page, "session")) == {"sess-beta"}
    timeline_shows(page, session="sess-beta")

    # a type checkbox
    page.locator("#type-filter summary").click()
    page.locator('input[name="type"][value="stt_transcript"]').check()
    page.wait_for_function("() => location.search.includes('type=stt_transcript')")
    wait_ready(page)
    wait_rows_match_api(page, live, "type=stt_transcript&session=sess-beta")
    assert set(rows_data(page, "type")) == {"stt_transcript"}
    assert set(rows_data(page, "kind")) == {"transcript"}  # the server's vocabulary, on every row
    timeline_shows(page, session="sess-beta", types="stt_transcript")

    # reloading the URL restores every control and the same rows
    page.reload()
    wait_ready(page)
    assert page.locator('input[name="type"][value="stt_transcript"]').is_checked()
    assert page.locator("#filter-session").input_value() == "sess-beta"
    assert page.locator("[data-types-summary]").inner_text() == "1 selected"
    wait_rows_match_api(page, live, "type=stt_transcript&session=sess-beta")

    # plugin and text, from a clean start
    page.locator("#filters-reset").click()
    wait_ready(page)
    assert urlsplit(page.url).query == ""
    page.locator("#filter-plugin").select_option("sine-tts")
    wait_ready(page)
    assert url_params(page) == {"plugin": ["sine-tts"]}
    wait_rows_match_api(page, live, "plugin=sine-tts")
    plugins = page.eval_on_selector_all("#event-list .c-plugin", "cells => cells.map(c => c.textContent)")
    assert set(plugins) == {"sine-tts"}
    page.locator("#filter-plugin").select_option("")
    page.locator("#filter-q").fill("lights")
    page.wait_for_function("() => location.search === '?q=lights'")
    wait_ready(page)
    wait_rows_match_api(page, live, "q=lights")
    summaries = page.eval_on_selector_all(
        '#event-list .row[data-type="stt_transcript"] .c-summary', "cells => cells.map(c => c.textContent)"
    )
    assert summaries and all("lights" in text for text in summaries)


def test_confidence_slider_hides_low_confidence_events(page: Page, live: LiveInspector) -> None:
    open_live(page, live, "session=sess-alpha&session=sess-beta")
    low = [e["seq"] for e in live.api("/api/events?session=sess-beta&type=stt_transcript")["events"]]
    assert low, "the 0.41 transcript of sess-beta"
    assert set(low) <= set(row_seqs(page))

    page.locator("#filter-confidence").fill("0.6")
    page.wait_for_function("() => new URLSearchParams(location.search).get('min_confidence') === '0.6'")
    wait_ready(page)
    assert page.locator("#confidence-value").inner_text() == "0.60"
    assert "no confidence" in page.locator("#confidence-hint").inner_text()
    wait_rows_match_api(page, live, "session=sess-alpha&session=sess-beta&min_confidence=0.6")
    seqs = row_seqs(page)
    assert seqs and not set(low) & set(seqs)
    confidences = page.eval_on_selector_all(
        "#event-list .conf", "cells => cells.map(c => Number(c.textContent))"
    )
    assert len(confidences) == len(seqs), "every row left has a confidence (the core's semantics)"
    assert min(confidences) >= 0.6

    # back to 0: the filter is off again and the low-confidence transcript returns
    page.locator("#filter-confidence").fill("0")
    page.wait_for_function("() => !location.search.includes('min_confidence')")
    wait_ready(page)
    assert page.locator("#confidence-value").inner_text() == "off"
    assert page.locator("#confidence-hint").is_hidden()
    assert set(low) <= set(row_seqs(page))


def test_bad_filter_from_the_api_is_shown_clearly(page: Page, live: LiveInspector) -> None:
    response = page.goto(f"{live.url}/?type=nope")
    assert response is not None and response.status == 400
    assert "type='nope': unknown event type" in page.locator(".error-message").inner_text()

    # A filter the page only meets through its history (back to a URL whose filter the server
    # refuses): the page asks the API, which answers 400, and says so next to the control.
    open_live(page, live)
    page.evaluate(
        "() => { history.pushState(null, '', '?min_confidence=2'); history.pushState(null, '', '?'); }"
    )
    page.go_back()
    error = page.locator("#filter-error")
    error.wait_for(state="visible", timeout=WAIT_MS)
    assert "min_confidence=2.0: must be in [0, 1]" in error.inner_text()
    assert page.locator(".range-control").get_attribute("class") is not None
    assert "is-invalid" in (page.locator(".range-control").get_attribute("class") or "")
    error.get_by_role("button", name="Reset filters").click()
    wait_ready(page)
    assert error.is_hidden()


# ----------------------------------------------------------------------------------------- audio


def test_audio_player_loads_segments_and_syntheses_with_true_durations(
    page: Page, live: LiveInspector
) -> None:
    open_live(page, live, "type=vad_audio&type=tts_synthesis_complete&session=sess-alpha")
    player = page.locator("#player-audio")
    for row_type in ("vad_audio", "tts_synthesis_complete"):
        button = page.locator(f'#event-list .row[data-type="{row_type}"] .row-play').first
        expected_ms = float(button.get_attribute("data-audio-duration-ms") or "nan")
        url = button.get_attribute("data-audio-url")
        button.click()
        page.wait_for_function(
            "url => { const a = document.querySelector('#player-audio');"
            " return a.dataset.url === url && a.readyState >= 1 && Number.isFinite(a.duration); }",
            arg=url,
            timeout=WAIT_MS,
        )
        duration_s = float(player.evaluate("a => a.duration"))
        assert abs(duration_s * 1000 - expected_ms) <= 20, (row_type, duration_s, expected_ms)
        page.wait_for_function("() => document.querySelector('#waveform-wrap').dataset.state === 'ready'")
        assert "16 kHz" in page.locator("#player-meta").inner_text()
    assert url is not None and url.startswith("/api/syntheses/")


# --------------------------------------------------------------------------------- pause, resume


def _transcripts(registry: EventRegistry, session: str, count: int) -> None:
    for i in range(count):
        registry.register_event(STTTranscriptEvent(text=f"queued {i}", session_id=session, plugin_name="stt"))


@pytest.mark.parametrize(
    ("extra", "fetches"),
    [pytest.param(0, False, id="kept-in-memory"), pytest.param(300, True, id="more-than-the-page-keeps")],
)
def test_pause_and_resume_lose_nothing(page: Page, live: LiveInspector, extra: int, fetches: bool) -> None:
    """While paused the page keeps the newest 250 events; resuming shows everything that arrived,
    fetching from the API only what it could not keep."""
    talker = live.feeder.pipeline(f"sess-pause-{extra}")
    open_live(page, live)
    page.keyboard.press("p")
    assert page.locator("#pause-button").get_attribute("aria-pressed") == "true"
    first = live.api("/api/health")["last_seq"]
    page.wait_for_function(
        "first => Math.max(...[...document.querySelectorAll('#event-list .row')]"
        ".map(r => Number(r.dataset.seq))) >= first",
        arg=first,
    )
    live.feeder.turn(talker, "hold on a second", 0.8)
    _transcripts(live.registry, talker.session_id, extra)
    live.feeder.turn(talker, "okay go on", 0.7)
    last = live.api("/api/health")["last_seq"]
    arrived = last - first
    page.wait_for_function(
        "n => document.querySelector('#new-count').textContent === `${n.toLocaleString()} new`",
        arg=arrived,
        timeout=WAIT_MS,
    )
    assert max(row_seqs(page)) == first, "nothing is drawn while paused"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.keyboard.press("Space")
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)", arg=last
    )
    assert page.locator("#new-count").is_hidden()
    seqs = row_seqs(page)
    between = [s for s in seqs if first < s <= last]
    assert sorted(between) == list(range(first + 1, last + 1))
    assert len(seqs) == len(set(seqs))
    backfills = [url for url in requests if "/api/events?" in url and f"after={first}" in url]
    assert bool(backfills) is fetches, requests


def test_gap_and_drop_notices_are_shown_and_drops_can_be_loaded(page: Page) -> None:
    """A real server that evicts and drops: the page is told of the events evicted while it was
    reconnecting (a gap) and of those its bounded queue dropped (a drop), and loads the dropped ones."""
    registry = EventRegistry(max_events=200)
    server = InspectorServer(registry, InspectorSettings(port=0, client_queue=10, batch_interval_s=0.5))
    server.start_in_thread()
    try:
        _transcripts(registry, "sess-drops", 20)
        page.goto(f"http://127.0.0.1:{server.bound_port}/")
        wait_ready(page)
        assert row_seqs(page)[0] == registry.last_seq

        # the stream ends (as when a proxy or the network cuts it); while the browser waits to
        # reconnect, 300 events come and the ring keeps only the newest 200 of them
        before = registry.last_seq
        server.state.hub.close_all()
        page.wait_for_function(
            "() => document.querySelector('#stream-status').dataset.state === 'reconnecting'"
        )
        _transcripts(registry, "sess-drops", 300)
        page.wait_for_function(
            "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)",
            arg=registry.last_seq,
            timeout=WAIT_MS,
        )
        notices = page.locator("#event-list .row-notice")
        gap = "100 events were evicted from the buffer before this page received them"
        assert notices.all_inner_texts() == [gap]
        assert page.locator("#list-notices").inner_text() == "100 evicted before delivery"
        assert before + 101 in row_seqs(page) and before + 100 not in row_seqs(page)

        # a burst larger than the client's queue (10) while the server coalesces for 0.5 s: dropped
        burst_from = registry.last_seq + 1
        _transcripts(registry, "sess-drops", 150)
        page.locator("#event-list .row-notice.is-bad").wait_for(timeout=WAIT_MS)
        dropped = server.state.hub.stats()["dropped_events"]
        assert dropped > 0
        page.wait_for_function(
            "text => document.querySelector('#list-notices').textContent.includes(text)",
            arg=f"{dropped} dropped (page too slow)",
            timeout=WAIT_MS,
        )
        assert not set(range(burst_from, registry.last_seq + 1)) <= set(row_seqs(page))
        page.get_by_role("button", name="Load them").click()
        page.wait_for_function(
            "n => document.querySelectorAll('#event-list .row-notice').length === n", arg=1, timeout=WAIT_MS
        )
        assert set(range(burst_from, registry.last_seq + 1)) <= set(row_seqs(page))
        assert notices.all_inner_texts()[0].startswith("100 events were evicted"), "the gap notice stays"
    finally:
        page.goto("about:blank")  # close the stream first: the server waits for open streams
        server.stop_thread()


# ----------------------------------------------------------------------------------------- stats


def test_errors_show_in_the_stats(page: Page, live: LiveInspector) -> None:
    failing = live.feeder.pipeline("sess-errors")
    page.goto(f"{live.url}/stats?session=sess-errors")
    assert page.locator(".stats").get_attribute("data-error-rate") == "0.0"
    failing.stt.on("error", lambda event: None)  # heard: keeps the plugin from logging it
    live.feeder.turn(failing, "!fail")
    page.wait_for_function(
        "() => Number(document.querySelector('.stats').dataset.errorRate) > 0", timeout=WAIT_MS
    )
    rate_text = page.locator("#stat-error-rate .card-value").inner_text()
    assert float(rate_text.rstrip("%")) > 0
    assert "1 error in" in page.locator("#stat-error-rate .card-foot").inner_text()
    bad_rows = page.locator(".metric-table tr.is-bad th").all_inner_texts()
    assert "scripted-stt" in bad_rows
    assert page.locator("#filter-session").input_value() == "sess-errors"
    # a filter changed on the page applies to the stats at once, and to every poll after
    page.locator("#filter-plugin").select_option("sine-tts")
    page.wait_for_function("() => location.search === '?session=sess-errors&plugin=sine-tts'")
    page.wait_for_function("() => document.querySelector('.stats').dataset.errorRate === '0.0'")
    with page.expect_response(lambda r: r.url.endswith("/stats?session=sess-errors&plugin=sine-tts")) as poll:
        pass  # the next poll (every 2 s) asks with the new filter too
    assert poll.value.ok
    page.wait_for_function("() => !document.querySelector('#stats').classList.contains('is-stale')")
    assert page.locator(".stats").get_attribute("data-error-rate") == "0.0"
    assert page.locator("link[rel=alternate]").get_attribute("href") == (
        "/api/stats?session=sess-errors&plugin=sine-tts"
    )


# -------------------------------------------------------------------------------------- escaping


def test_script_transcript_shows_as_text_in_list_and_detail(page: Page, live: LiveInspector) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    talker = live.feeder.pipeline("sess-xss")
    live.feeder.turn(talker, payload, 0.9)
    open_live(page, live, "session=sess-xss&type=stt_transcript")
    row = page.locator("#event-list .row").first
    assert row.locator(".c-summary").inner_text().startswith(f"“{payload}”")
    assert page.locator("#event-list script, #event-list img").count() == 0
    row.click()
    detail = page.locator("#detail .event-detail")
    detail.wait_for(timeout=WAIT_MS)
    assert payload in detail.locator(".detail-summary").inner_text()
    assert detail.locator('[data-field="text"] dd').inner_text() == payload
    assert page.locator("#detail script, #detail img").count() == 0
    # the copy-as-JSON payload is the exact event, text included (read back from the clipboard)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page.locator("#detail [data-copy-json]").click()
    page.locator("#toast", has_text="Event JSON copied to the clipboard").wait_for()
    copied = json.loads(page.evaluate("() => navigator.clipboard.readText()"))
    assert copied["text"] == payload and copied["event_type"] == "stt_transcript"
    assert copied["summary"] == f"“{payload}”" and copied["kind"] == "transcript"


# -------------------------------------------------------------------------------------- keyboard


def test_keyboard_moves_the_selection_and_opens_events(page: Page, live: LiveInspector) -> None:
    open_live(page, live, "session=sess-alpha")
    seqs = row_seqs(page)
    assert len(seqs) > 3
    selected = "() => document.querySelector('#event-list .row[aria-selected=\"true\"]')?.dataset.seq"
    page.keyboard.press("j")
    assert page.evaluate(selected) == str(seqs[0])
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(selected) == str(seqs[2])
    page.keyboard.press("k")
    assert page.evaluate(selected) == str(seqs[1])
    page.keyboard.press("Enter")
    page.wait_for_function(
        "seq => document.querySelector('#detail .event-detail')?.dataset.seq === seq", arg=str(seqs[1])
    )
    page.keyboard.press("Escape")
    assert page.locator("#detail").is_hidden()
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "filter-q"
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.id") != "filter-q"
    page.keyboard.press("Space")
    assert page.locator("#pause-button").get_attribute("aria-pressed") == "true"
    page.keyboard.press("p")
    assert page.locator("#pause-button").get_attribute("aria-pressed") == "false"


# -------------------------------------------------------------------------------------- timeline


def test_timeline_zooms_pans_follows_and_opens_events(page: Page, live: LiveInspector) -> None:
    open_live(page, live, "session=sess-alpha")
    span = page.locator("#timeline-span")
    assert span.inner_text() == "30.0 s"
    page.locator('[data-zoom="in"]').click()
    page.wait_for_function("() => document.querySelector('#timeline-span').textContent !== '30.0 s'")
    page.keyboard.press("0")  # fit the session
    follow = page.locator("#timeline-follow")
    box = page.locator("#timeline-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.wheel(0, 400)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + 20, steps=4)
    page.mouse.up()
    assert follow.get_attribute("aria-pressed") == "false"
    page.keyboard.press("f")
    assert follow.get_attribute("aria-pressed") == "true"
    page.keyboard.press("0")
    if follow.get_attribute("aria-pressed") == "true":
        follow.click()  # hold the view still while the mouse aims
    # hovering a transcript mark shows its tooltip; a click opens that event
    x, y, seq = find_mark(page, "stt_transcript", lane=1)
    page.mouse.click(x, y)
    page.wait_for_function(
        "seq => document.querySelector('#detail .event-detail')?.dataset.seq === seq", arg=seq
    )
    assert page.locator("#detail .event-detail").get_attribute("data-type") == "stt_transcript"


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


# ------------------------------------------------------------------------------- theme and layout


def test_theme_toggle_is_remembered(page: Page, live: LiveInspector) -> None:
    open_live(page, live, "session=sess-alpha")
    root_theme = "() => document.documentElement.dataset.theme"
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(root_theme) == "light"
    light_bg = page.evaluate(background)
    page.locator("#event-list .row[data-type='stt_transcript']").first.click()
    page.locator("#detail .event-detail").wait_for()
    page.screenshot(path="/tmp/inspector-light.png")
    page.locator("#theme-toggle").click()
    assert page.evaluate(root_theme) == "dark"
    assert page.evaluate("() => localStorage.getItem('inspector.theme')") == "dark"
    page.reload()
    wait_ready(page)
    assert page.evaluate(root_theme) == "dark"
    assert page.evaluate(background) != light_bg
    page.locator("#event-list .row[data-type='vad_audio'] .row-play").first.click()
    page.wait_for_function("() => document.querySelector('#waveform-wrap').dataset.state === 'ready'")
    page.locator("#event-list .row[data-type='stt_transcript']").first.click()
    page.locator("#detail .event-detail").wait_for()
    page.screenshot(path="/tmp/inspector-dark.png")
    page.keyboard.press("t")
    assert page.evaluate(root_theme) == "light"


@pytest.mark.parametrize("width", [1280, 420], ids=["desktop", "narrow"])
def test_pages_fit_the_window_without_horizontal_overflow(
    page: Page, live: LiveInspector, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    overflow = "() => document.scrollingElement.scrollWidth - window.innerWidth"
    open_live(page, live)
    page.locator("#event-list .row").first.click()
    page.locator("#detail .event-detail").wait_for()
    assert page.evaluate(overflow) <= 0
    panels = page.evaluate(
        "() => ['.sessions-panel', '.timeline-panel', '.list-panel'].map(s => document.querySelector(s)"
        ".getBoundingClientRect().left)"
    )
    if width < 900:
        assert max(panels) - min(panels) < 2, "panels stack in one column"
        page.wait_for_timeout(250)  # the detail drawer slides in
        page.screenshot(path="/tmp/inspector-narrow.png")
    else:
        assert panels[0] < panels[1] == panels[2], "sessions beside the timeline and the list"
        assert page.locator("#side-panel").is_visible()
    for path in ("/sessions", "/stats", "/stats?session=sess-alpha"):
        page.goto(f"{live.url}{path}")
        assert page.evaluate(overflow) <= 0, path


# ----------------------------------------------------------------------------------------- load


def test_page_keeps_up_at_2000_events_per_second(page: Page, live: LiveInspector) -> None:
    """Three seconds at 2,000 events/s through real STT plugins: rows stay capped, the keyboard keeps
    working meanwhile, and the list ends on the newest event with nothing dropped. (How fast it
    answers is measured in benchmarks/bench_stream.py, not asserted here.)"""
    talkers = [live.feeder.pipeline(f"sess-load-{i}") for i in range(4)]
    open_live(page, live)
    stop = threading.Event()

    def produce(rate: int = 2000) -> None:
        sent = 0
        started = time.perf_counter()
        while not stop.is_set():
            due = int((time.perf_counter() - started) * rate)
            while sent < due:
                stt = talkers[sent % len(talkers)].stt
                stt._emit_transcript_event(f"load line {sent}", None, {"confidence": 0.9})
                sent += 1
            time.sleep(0.002)

    producer = threading.Thread(target=produce, name="load")
    producer.start()
    pause = page.locator("#pause-button")
    try:
        time.sleep(1.0)
        page.keyboard.press("p")  # the keyboard works while rows pour in: pause...
        assert pause.get_attribute("aria-pressed") == "true"
        top = row_seqs(page)[0]
        page.wait_for_function("() => !document.querySelector('#new-count').hidden")
        time.sleep(0.5)
        assert row_seqs(page)[0] == top, "nothing is drawn while paused"
        page.keyboard.press("p")  # ... and resume (after fetching what the pause could not keep)
        page.wait_for_function("() => document.querySelector('#pause-button').ariaPressed === 'false'")
        time.sleep(1.0)
    finally:
        stop.set()
        producer.join()
    last = live.api("/api/health")["last_seq"]
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)", arg=last
    )
    result = page.evaluate(
        """() => ({rows: document.querySelectorAll('#event-list .row').length,
                  nodes: document.getElementsByTagName('*').length,
                  notices: document.querySelectorAll('#event-list .row-notice').length})"""
    )
    assert result["rows"] == 500, "the DOM keeps at most 500 rows"
    assert result["nodes"] < 8000
    assert result["notices"] == 0, "no gap, no drop"
    assert page.locator("#list-count").inner_text() == "500"


# ----------------------------------------------------------------------------------------- clear


def test_clear_button_sends_the_csrf_header_and_empties_the_page(page: Page) -> None:
    registry = EventRegistry()
    server = InspectorServer(registry, InspectorSettings(port=0))
    server.start_in_thread()
    try:
        for text in ("one", "two", "three"):
            registry.register_event(STTTranscriptEvent(text=text, session_id="sess-clear", plugin_name="stt"))
        page.goto(f"http://127.0.0.1:{server.bound_port}/")
        wait_ready(page)
        assert len(row_seqs(page)) == 3
        page.locator("#clear-button").click()  # confirmed by the page fixture's dialog handler
        page.locator("#toast").wait_for(state="visible")
        assert page.locator("#toast").inner_text() == "Cleared 3 buffered events"
        assert len(registry) == 0
        assert row_seqs(page) == []
        registry.register_event(STTTranscriptEvent(text="four", session_id="sess-clear", plugin_name="stt"))
        page.wait_for_function("() => document.querySelectorAll('#event-list .row').length === 1")
    finally:
        page.goto("about:blank")  # close the stream first: the server waits for open streams
        server.stop_thread()


# ------------------------------------------------------------------------- mounted under a prefix

PREFIX = "/tools/inspector"
ODD = "odd/id?x=1#frag"  # an id that is not a valid path segment until encoded


def _odd_events(registry: EventRegistry) -> None:
    """A session, an event, a speech segment and a synthesis whose ids hold "/", "?" and "#"."""
    common: dict[str, Any] = {"session_id": f"sess/{ODD}", "plugin_name": "stt/odd"}
    speech = np.zeros(3200, np.int16).tobytes()
    registry.register_event(
        VADAudioEvent(audio_data=speech, duration_ms=200.0, event_id=f"vad-{ODD}", **common)
    )
    registry.register_event(
        STTTranscriptEvent(text="odd ids", confidence=0.9, event_id=f"stt-{ODD}", **common)
    )
    synthesis = f"syn-{ODD}"
    registry.register_event(TTSSynthesisStartEvent(text="hello", synthesis_id=synthesis, **common))
    for index in range(2):
        registry.register_event(
            TTSAudioEvent(
                audio_data=speech,
                chunk_index=index,
                synthesis_id=synthesis,
                event_id=f"tts{index}-{ODD}",
                **common,
            )
        )
    registry.register_event(
        TTSSynthesisCompleteEvent(
            synthesis_id=synthesis, synthesis_time_ms=5.0, audio_duration_ms=200.0, **common
        )
    )


@contextlib.contextmanager
def _host_app(registry: EventRegistry) -> Iterator[tuple[str, Starlette]]:
    """A user's own Starlette app with the inspector mounted at PREFIX, served by uvicorn."""

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("the host app")

    inspector = create_app(registry)
    host = Starlette(routes=[Route("/", home), Mount(PREFIX, app=inspector)])
    server = uvicorn.Server(uvicorn.Config(host, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="host-app", daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the host app did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", inspector
    finally:
        state_of(inspector).hub.close_all()
        server.should_exit = True
        thread.join(10)


def test_mounted_under_a_prefix_every_request_stays_under_it_and_odd_ids_work(page: Page) -> None:
    registry = EventRegistry()
    _odd_events(registry)
    with _host_app(registry) as (origin, inspector):
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        base = f"{origin}{PREFIX}"

        # the live page: rows, the stream, the session poll, the detail of an odd id, its audio
        page.goto(f"{base}/")
        wait_ready(page)
        assert len(row_seqs(page)) == 6
        with page.expect_response(lambda r: r.url.startswith(f"{base}/sessions")):
            pass  # one session poll
        page.locator('#event-list .row[data-type="stt_transcript"]').click()
        detail = page.locator("#detail .event-detail")
        detail.wait_for(timeout=WAIT_MS)
        assert detail.get_attribute("data-event-id") == f"stt-{ODD}"
        open_page = detail.locator("[data-full-page]").get_attribute("href")
        assert open_page == f"{PREFIX}/events/stt-odd%2Fid%3Fx%3D1%23frag"
        for row_type, label in (("vad_audio", "play"), ("tts_audio", "all")):
            page.locator(f'#event-list .row[data-type="{row_type}"] .row-play', has_text=label).first.click()
            page.wait_for_function("() => document.querySelector('#waveform-wrap').dataset.state === 'ready'")
            assert page.locator("#player-error").is_hidden()

        # the event's own page, by its encoded URL
        page.goto(f"{origin}{open_page}")
        assert page.locator(".event-detail").get_attribute("data-event-id") == f"stt-{ODD}"
        assert page.locator(".detail-session").get_attribute("href") == (
            f"{PREFIX}/?session=sess%2Fodd%2Fid%3Fx%3D1%23frag"
        )

        # the stats page: its poll and a filter change (which rebuilds the poll's URL in the page)
        page.goto(f"{base}/stats")
        def errors_poll(response: Response) -> bool:
            return response.url.startswith(f"{base}/stats?") and "errors=1" in response.url

        with page.expect_response(errors_poll) as changed:
            page.locator("label.toggle-control").click()  # the switch is drawn over its checkbox
        assert changed.value.ok
        with page.expect_response(errors_poll) as polled:
            pass  # the next poll keeps the prefix and the filter
        assert polled.value.ok
        page.goto(f"{base}/sessions")
        with page.expect_response(lambda r: r.url.startswith(f"{base}/sessions")):
            pass
        page.goto("about:blank")  # close the stream before the server stops

    fetched = [url for url in requests if url.startswith(origin)]
    assert fetched, requests
    outside = [url for url in fetched if not url.startswith(f"{base}/")]
    assert outside == [], outside
    paths = {url[len(base) :].split("?")[0] for url in fetched}
    for expected in (
        "/api/events",
        "/api/stream",
        "/static/app.js",
        "/events/stt-odd%2Fid%3Fx%3D1%23frag",
        "/api/events/vad-odd%2Fid%3Fx%3D1%23frag/audio.wav",
        "/api/syntheses/syn-odd%2Fid%3Fx%3D1%23frag/audio.wav",
        "/stats",
        "/sessions",
    ):
        assert expected in paths, (expected, sorted(paths))
