"""The inspector mounted under a prefix in a user's own Starlette app, served by uvicorn, in a real
browser: every request the pages make stays under the prefix, and ids holding "/", "?" and "#" work
in every URL (issue 10 item 8, issue 11)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import uvicorn
from page_helpers import WAIT_MS, row_seqs, wait_ready
from playwright.sync_api import Page, Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from inspector.app import create_app
from inspector.state import state_of
from plugins_core import (
    EventRegistry,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
)

pytestmark = pytest.mark.browser

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
