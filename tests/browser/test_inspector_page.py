"""The inspector in a real browser: live rows, filters in the URL, the timeline, audio, pause and
resume, stats, escaping, the keyboard, themes and layout. Feeds come from the real plugin classes
(see conftest.py); each test that needs quiet data uses sessions of its own."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from inspector.app import InspectorServer
from inspector.settings import InspectorSettings
from plugins_core import EventRegistry, STTTranscriptEvent

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


def timeline_drawn(page: Page) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = page.evaluate("() => window.inspector.timeline.drawn")
    return drawn


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
    shown = page.evaluate("() => window.inspector.timeline.session")
    assert shown in {"sess-alpha", "sess-beta", "sess-live"}
    page.wait_for_function("() => Number(document.querySelector('#timeline').dataset.items) > 0")


# -------------------------------------------------------------------------------------- filters


def test_filters_narrow_list_and_timeline_and_live_in_the_url(page: Page, live: LiveInspector) -> None:
    open_live(page, live)

    # a click on a session narrows to it
    page.locator('#sessions a.session-link[data-session-id="sess-beta"]').click()
    page.wait_for_function("() => window.inspector.timeline.session === 'sess-beta'")
    wait_ready(page)
    assert url_params(page) == {"session": ["sess-beta"]}
    wait_rows_match_api(page, live, "session=sess-beta")
    assert set(rows_data(page, "session")) == {"sess-beta"}
    page.wait_for_function("() => Number(document.querySelector('#timeline').dataset.items) > 0")
    assert {item["session"] for item in timeline_drawn(page)} == {"sess-beta"}

    # a type checkbox
    page.locator("#type-filter summary").click()
    page.locator('input[name="type"][value="stt_transcript"]').check()
    page.wait_for_function("() => location.search.includes('type=stt_transcript')")
    wait_ready(page)
    wait_rows_match_api(page, live, "type=stt_transcript&session=sess-beta")
    assert set(rows_data(page, "type")) == {"stt_transcript"}
    page.wait_for_function(
        "() => window.inspector.timeline.drawn.length > 0"
        " && window.inspector.timeline.drawn.every(d => d.type === 'stt_transcript')"
    )

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

    open_live(page, live)
    page.evaluate("() => window.inspector.filters.set({minConfidence: '2'})")
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


def test_pause_and_resume_lose_nothing(page: Page, live: LiveInspector) -> None:
    talker = live.feeder.pipeline("sess-pause")
    open_live(page, live)
    for pause_cap in (250, 5):  # in memory; then too small, so that resume must fetch the rest
        page.evaluate("cap => { window.inspector.list.pauseCap = cap; }", pause_cap)
        page.keyboard.press("p")
        assert page.locator("#pause-button").get_attribute("aria-pressed") == "true"
        first = live.api("/api/health")["last_seq"]
        page.wait_for_function(
            "first => Math.max(...[...document.querySelectorAll('#event-list .row')]"
            ".map(r => Number(r.dataset.seq))) >= first",
            arg=first,
        )
        live.feeder.turn(talker, "hold on a second", 0.8)
        live.feeder.turn(talker, "okay go on", 0.7)
        last = live.api("/api/health")["last_seq"]
        arrived = last - first
        page.wait_for_function(
            "n => document.querySelector('#new-count').textContent === `${n} new`",
            arg=arrived,
            timeout=WAIT_MS,
        )
        assert max(row_seqs(page)) == first, "nothing is drawn while paused"
        page.keyboard.press("Space")
        page.wait_for_function(
            "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)", arg=last
        )
        assert page.locator("#new-count").is_hidden()
        seqs = row_seqs(page)
        between = [s for s in seqs if first < s <= last]
        assert sorted(between) == list(range(first + 1, last + 1)), f"pauseCap={pause_cap}"
        assert len(seqs) == len(set(seqs))


def test_gap_and_drop_notices_are_shown_and_drops_can_be_loaded(page: Page, live: LiveInspector) -> None:
    talker = live.feeder.pipeline("sess-drops")
    open_live(page, live, "session=sess-drops")
    before = max(row_seqs(page))
    live.feeder.turn(talker, "this part goes missing", 0.9)
    missed = [e for e in live.api(f"/api/events?session=sess-drops&after={before}")["events"]]
    assert missed
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)",
        arg=missed[-1]["seq"],
    )
    # What the server sends when this page falls behind, or when events were evicted before it could
    # get them: here played to the page, after its rows of the turn are taken away again.
    page.evaluate(
        """([before, count]) => {
          const list = window.inspector.list;
          list.reset([...list.bySeq.values()].filter(e => e.seq <= before).sort((a, b) => a.seq - b.seq));
          window.inspector.stream.handlers.onNotice('gap', {missed: 3, after: before});
          window.inspector.stream.handlers.onNotice('dropped', {dropped: count, total: count, after: before});
        }""",
        [before, len(missed)],
    )
    notices = page.locator("#event-list .row-notice")
    assert notices.count() == 2
    assert "3 events were evicted" in " ".join(notices.all_inner_texts())
    assert f"{len(missed)} dropped (page too slow)" in page.locator("#list-notices").inner_text()
    page.get_by_role("button", name="Load them").click()
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)",
        arg=missed[-1]["seq"],
    )
    assert {e["seq"] for e in missed} <= set(row_seqs(page))
    assert notices.count() == 1, "the drop notice goes once its events are loaded"


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
    page.wait_for_timeout(2_300)  # one more poll
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
    # the copy-as-JSON payload is the exact event, text included
    page.locator("#detail [data-copy-json]").click()
    page.wait_for_function("() => window.inspector.lastCopied")
    copied = json.loads(page.evaluate("() => window.inspector.lastCopied"))
    assert copied["text"] == payload and copied["event_type"] == "stt_transcript"


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
    hit = page.evaluate(
        """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => {
             const t = window.inspector.timeline;
             const h = t.hits.find(h => h.mark && h.open.event_type === 'stt_transcript'
               && t.hitAt((h.x0 + h.x1) / 2, (h.y0 + h.y1) / 2) === h);
             resolve(h ? {x: (h.x0 + h.x1) / 2, y: (h.y0 + h.y1) / 2, id: h.open.event_id} : null);
           })))"""
    )
    assert hit is not None, "a transcript mark on top of its lane"
    page.mouse.move(box["x"] + hit["x"], box["y"] + hit["y"])
    tooltip = page.locator("#timeline-tooltip")
    tooltip.wait_for(state="visible")
    assert "stt_transcript" in tooltip.inner_text()
    page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])
    page.wait_for_function(
        "id => document.querySelector('#detail .event-detail')?.dataset.eventId === id", arg=hit["id"]
    )


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


def test_page_stays_responsive_at_2000_events_per_second(page: Page, live: LiveInspector) -> None:
    """Three seconds at 2,000 events/s through real STT plugins: rows stay capped, frames keep coming,
    a key press is answered quickly, and the list ends on the newest event with nothing dropped."""
    talkers = [live.feeder.pipeline(f"sess-load-{i}") for i in range(4)]
    open_live(page, live)
    page.evaluate(
        """() => {
          window.__long = [];
          new PerformanceObserver(list => list.getEntries().forEach(e => window.__long.push(e.duration)))
            .observe({entryTypes: ['longtask']});
          window.__frames = 0;
          const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
        }"""
    )
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
    started = time.perf_counter()
    producer.start()
    latencies: list[float] = []
    try:
        for _ in range(5):
            time.sleep(0.5)
            before = time.perf_counter()
            page.keyboard.press("j")
            page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => resolve(null)))")
            latencies.append((time.perf_counter() - before) * 1000)
    finally:
        stop.set()
        producer.join()
    elapsed = time.perf_counter() - started
    last = live.api("/api/health")["last_seq"]
    page.wait_for_function(
        "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)", arg=last
    )
    result = page.evaluate(
        """() => ({rows: document.querySelectorAll('#event-list .row').length,
                  nodes: document.getElementsByTagName('*').length,
                  frames: window.__frames, busy: window.__long.reduce((a, b) => a + b, 0),
                  notices: document.querySelectorAll('#event-list .row-notice').length})"""
    )
    assert result["rows"] == 500, "the DOM keeps at most 500 rows"
    assert result["nodes"] < 8000
    assert result["notices"] == 0, "no gap, no drop"
    # Generous bounds (CI machines are slow and shared) that still catch a page that falls over:
    # before row highlights were rate-limited, long tasks took 70 % of the time here, at 16 fps.
    assert result["frames"] / elapsed > 15, result
    assert result["busy"] / 1000 / elapsed < 0.35, result
    assert sorted(latencies)[len(latencies) // 2] < 250, latencies


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
