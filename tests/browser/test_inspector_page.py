"""The inspector in a real browser: live rows, filters in the URL, the timeline, audio, stats,
escaping, the keyboard, themes and layout, Clear. (The live list under load and trouble is in
test_live_list.py, the app mounted under a prefix in test_mounted_page.py.) Feeds come from the real
plugin classes (see conftest.py); each test that needs quiet data uses sessions of its own. The
tests look at the DOM (and the network), never into the page's modules."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from page_helpers import (
    WAIT_MS,
    find_mark,
    open_live,
    row_seqs,
    rows_data,
    timeline_session,
    timeline_shows,
    url_params,
    wait_ready,
    wait_rows_match_api,
)
from playwright.sync_api import Page

from inspector.app import InspectorServer
from inspector.settings import InspectorSettings
from plugins_core import EventRegistry, STTTranscriptEvent

if TYPE_CHECKING:  # the fixture's type; pytest provides the object (conftest.py)
    from conftest import LiveInspector

pytestmark = pytest.mark.browser


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


