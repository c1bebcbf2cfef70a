"""The live list in a real browser under load and trouble: pause and resume lose nothing, gaps and
drops from a real server are told and drops can be loaded, 2,000 events/s keep the list capped and
the keyboard working."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
from page_helpers import WAIT_MS, open_live, row_seqs, transcripts, wait_ready
from playwright.sync_api import Page

from inspector.app import InspectorServer
from inspector.settings import InspectorSettings
from plugins_core import EventRegistry

if TYPE_CHECKING:  # the fixture's type; pytest provides the object (conftest.py)
    from conftest import LiveInspector

pytestmark = pytest.mark.browser


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
    transcripts(live.registry, talker.session_id, extra)
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
        transcripts(registry, "sess-drops", 20)
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
        transcripts(registry, "sess-drops", 300)
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
        transcripts(registry, "sess-drops", 150)
        page.wait_for_function(  # the newest event always arrives, after the notices of what was lost
            "last => document.querySelector('#event-list .row')?.dataset.seq === String(last)",
            arg=registry.last_seq,
            timeout=WAIT_MS,
        )
        dropped = server.state.hub.stats()["dropped_events"]
        assert dropped > 0
        assert f"{dropped} dropped (page too slow)" in page.locator("#list-notices").inner_text()
        assert not set(range(burst_from, registry.last_seq + 1)) <= set(row_seqs(page))
        load = page.get_by_role("button", name="Load them")
        assert load.count() >= 1  # one per dropped frame
        while load.count():
            remaining = notices.count()
            load.first.click()
            page.wait_for_function(
                "n => document.querySelectorAll('#event-list .row-notice').length === n",
                arg=remaining - 1,
                timeout=WAIT_MS,
            )
        assert set(range(burst_from, registry.last_seq + 1)) <= set(row_seqs(page))
        assert notices.all_inner_texts()[0].startswith("100 events were evicted"), "the gap notice stays"
    finally:
        page.goto("about:blank")  # close the stream first: the server waits for open streams
        server.stop_thread()


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
