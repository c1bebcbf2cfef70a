"""The HTML pages through Starlette's TestClient: full pages and htmx fragments, the JSON twin link,
escaping of event text, the error page, bad filters, and the CSRF header the Clear button sends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from inspector.app import create_app
from plugins_core import (
    EventFilter,
    EventRegistry,
    EventType,
    PluginInitializedEvent,
    STTErrorEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    describe_event,
)

SCRIPT = "<script>alert(1)</script>"
HTML = {"accept": "text/html"}
HTMX = {"HX-Request": "true"}


@dataclass
class Seeded:
    client: TestClient
    registry: EventRegistry
    transcript: STTTranscriptEvent
    segment: VADAudioEvent
    synthesis: TTSSynthesisCompleteEvent


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    registry = EventRegistry()
    common: dict[str, Any] = {"session_id": "s-1", "plugin_name": "stt-a"}
    registry.register_event(PluginInitializedEvent(plugin_type="STT", provider="stt-a", **common))
    transcript = STTTranscriptEvent(text=SCRIPT, confidence=0.9, words=[{"word": "<b>"}], **common)
    registry.register_event(transcript)
    registry.register_event(STTErrorEvent(error=ValueError("engine <down>"), context="decode", **common))
    silence = np.zeros(8000, np.int16).tobytes()
    segment = VADAudioEvent(audio_data=silence, duration_ms=500.0, session_id="s-1", plugin_name="vad-a")
    registry.register_event(segment)
    tts: dict[str, Any] = {"session_id": "s-1", "plugin_name": "tts-a"}
    start = TTSSynthesisStartEvent(text="hello", **tts)
    registry.register_event(start)
    registry.register_event(
        TTSAudioEvent(audio_data=np.zeros(1600, np.int16).tobytes(), synthesis_id=start.synthesis_id, **tts)
    )
    synthesis = TTSSynthesisCompleteEvent(
        synthesis_id=start.synthesis_id, text="hello", synthesis_time_ms=12.0, audio_duration_ms=100.0, **tts
    )
    registry.register_event(synthesis)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        yield Seeded(client, registry, transcript, segment, synthesis)


def _alternate(html: str) -> str | None:
    match = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_every_page_renders_in_full_with_its_json_twin(seeded: Seeded) -> None:
    pages = {
        "/": ("index.html", "/api/events"),
        "/?session=s-1&type=stt_transcript": ("index.html", "/api/events?type=stt_transcript&session=s-1"),
        "/sessions": ("sessions.html", "/api/sessions"),
        "/stats": ("stats.html", "/api/stats"),
        "/stats?errors=1": ("stats.html", "/api/stats?errors=1"),
        f"/events/{seeded.transcript.event_id}": ("event.html", f"/api/events/{seeded.transcript.event_id}"),
    }
    for path, (template, twin) in pages.items():
        response = seeded.client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.template.name == template  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["vary"] == "HX-Request"
        html = response.text
        assert html.startswith("<!doctype html>")
        assert _alternate(html) == twin, path
        for nav in ('href="/" data-nav="live"', 'href="/sessions"', 'href="/stats"'):
            assert nav in html, (path, nav)
        assert "v0.1.0" in html, "footer with the version"


def test_fragments_render_alone_for_htmx(seeded: Seeded) -> None:
    fragments = {
        "/sessions": ("_sessions.html", 'data-session-id="s-1"'),
        "/stats": ("_stats.html", 'id="stat-error-rate"'),
        f"/events/{seeded.segment.event_id}": ("_event_detail.html", 'data-field="audio"'),
    }
    for path, (template, marker) in fragments.items():
        response = seeded.client.get(path, headers=HTMX)
        assert response.status_code == 200, path
        assert response.template.name == template  # type: ignore[attr-defined]
        assert "<html" not in response.text and "<body" not in response.text, path
        assert marker in response.text, path


def test_csrf_token_is_in_a_meta_tag_and_sent_by_htmx_from_the_body(seeded: Seeded) -> None:
    html = seeded.client.get("/", headers=HTML).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert token is not None
    assert f'hx-headers=\'{{"X-Inspector-CSRF": "{token.group(1)}"}}\'' in html
    assert 'hx-post="/api/clear"' in html
    refused = seeded.client.post("/api/clear")
    assert refused.status_code == 403
    cleared = seeded.client.post("/api/clear", headers={"X-Inspector-CSRF": token.group(1)})
    assert cleared.json() == {"ok": True, "cleared": 7}
    assert len(seeded.registry) == 0


def test_event_text_is_escaped_everywhere(seeded: Seeded) -> None:
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    detail = seeded.client.get(f"/events/{seeded.transcript.event_id}", headers=HTMX).text
    page = seeded.client.get(f"/events/{seeded.transcript.event_id}", headers=HTML).text
    for html in (detail, page):
        assert SCRIPT not in html
        assert escaped in html
        assert "&lt;b&gt;" in html, "nested values (words) are escaped too"
    # the JSON for "Copy JSON" sits in a single-quoted attribute, with <, > and ' escaped by tojson
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in detail
    stats = seeded.client.get("/stats", headers=HTMX).text
    assert "<down>" not in stats
    error_page = seeded.client.get(f"/events/{SCRIPT}", headers=HTML)
    assert error_page.status_code == 404
    assert SCRIPT not in error_page.text and "&lt;script&gt;" in error_page.text


def test_event_detail_lists_every_field_and_offers_audio(seeded: Seeded) -> None:
    html = seeded.client.get(f"/events/{seeded.segment.event_id}", headers=HTMX).text
    for name in ("event_type", "event_id", "timestamp", "session_id", "sample_rate", "duration_ms", "seq"):
        assert f'data-field="{name}"' in html, name
    assert 'data-field="audio"' in html
    assert f'data-audio-url="/api/events/{seeded.segment.event_id}/audio.wav"' in html
    assert 'data-audio-duration-ms="500.0"' in html
    synthesis = seeded.client.get(f"/events/{seeded.synthesis.event_id}", headers=HTMX).text
    assert f'data-audio-url="/api/syntheses/{seeded.synthesis.synthesis_id}/audio.wav"' in synthesis
    assert "Play whole synthesis" in synthesis


def test_unknown_event_is_an_html_page_for_browsers_and_json_otherwise(seeded: Seeded) -> None:
    html = seeded.client.get("/events/nope", headers=HTML)
    assert html.status_code == 404
    assert html.template.name == "error.html"  # type: ignore[attr-defined]
    assert "event_id=&#39;nope&#39;: not buffered" in html.text
    assert _alternate(html.text) is None
    plain = seeded.client.get("/events/nope")
    assert plain.status_code == 404
    assert plain.json() == {
        "ok": False,
        "error": "event_id='nope': not buffered (never seen, or evicted)",
        "status": 404,
    }


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("/?type=nope", "type='nope': unknown event type", id="type"),
        pytest.param("/stats?min_confidence=2", "min_confidence=2.0: must be in [0, 1]", id="confidence"),
        pytest.param("/?bogus=1", "bogus='1': unknown filter parameter", id="unknown"),
    ],
)
def test_bad_filter_is_a_400_naming_the_parameter(seeded: Seeded, path: str, message: str) -> None:
    page = seeded.client.get(path, headers=HTML)
    assert page.status_code == 400
    assert message.replace("'", "&#39;") in page.text
    api = seeded.client.get("/api/events" + path[path.index("?") :])
    assert api.status_code == 400
    body = api.json()
    assert body["ok"] is False and body["status"] == 400
    assert body["error"].startswith(message)


def test_sessions_list_shows_plugins_counts_errors_and_state(seeded: Seeded) -> None:
    html = seeded.client.get("/sessions", headers=HTMX).text
    assert 'class="session is-live has-errors"' in html
    for plugin in ("stt-a", "vad-a", "tts-a"):
        assert f'data-plugin="{plugin}"' in html
    assert "<b>7</b> events" in html
    assert "<b>1</b> error<" in html
    assert 'href="/?session=s-1"' in html


def test_stats_show_error_rates_and_metrics(seeded: Seeded) -> None:
    html = seeded.client.get("/stats", headers=HTMX).text
    assert 'data-error-rate="0.14285714285714285"' in html
    assert '14.3<span class="unit">%</span>' in html
    assert "1 error in 7 events" in html
    filtered = seeded.client.get("/stats?plugin=tts-a", headers=HTMX).text
    assert 'data-error-rate="0.0"' in filtered
    assert 'class="scope">filtered' in filtered


def test_live_page_restores_its_filters_from_the_url(seeded: Seeded) -> None:
    html = seeded.client.get(
        "/?type=stt_transcript&session=s-1&plugin=stt-a&min_confidence=0.5&q=hi&errors=1", headers=HTML
    ).text
    assert '<input type="checkbox" name="type" value="stt_transcript" checked>' in html
    assert '<option value="s-1" selected>s-1</option>' in html
    assert '<option value="stt-a" selected>stt-a</option>' in html
    assert 'value="0.5"' in html and ">0.50</output>" in html
    assert 'name="q" id="filter-q" value="hi"' in html
    assert 'id="filter-errors" checked' in html
    assert 'data-query="type=stt_transcript&amp;session=s-1&amp;plugin=stt-a' in html


def test_pages_carry_the_core_vocabulary(seeded: Seeded) -> None:
    """Kind, family and the one-line summary come from plugins_core (EventType, describe_event):
    the type filter, the detail panel and the colours use them, never the type's name."""
    html = seeded.client.get("/", headers=HTML).text
    for event_type in EventType:
        family, kind = event_type.family, event_type.kind
        assert f'data-type="{event_type}" data-family="{family}" data-kind="{kind}"' in html, event_type
    detail = seeded.client.get(f"/events/{seeded.synthesis.event_id}", headers=HTMX).text
    assert 'data-kind="synthesis" data-family="tts"' in detail
    assert '<p class="detail-summary">“hello”</p>' in detail
    segment = seeded.client.get(f"/events/{seeded.segment.event_id}", headers=HTMX).text
    summary = describe_event(seeded.segment)
    assert summary.quiet and f'<p class="detail-summary quiet">{summary.text}</p>' in segment
    assert 'data-kind="speech" data-family="vad"' in segment
    error = seeded.registry.get_events(EventFilter(errors_only=True))[0]
    error_detail = seeded.client.get(f"/events/{error.event_id}", headers=HTMX).text
    assert 'data-kind="error" data-family="stt"' in error_detail
    assert "engine &lt;down&gt; (decode)</p>" in error_detail


LOCAL_URL = re.compile(r'(?:href|src|hx-get|hx-post|data-filter-aware|data-audio-url)="(/[^"]*)"')


def test_mounted_pages_build_every_url_under_the_prefix(seeded: Seeded) -> None:
    inspector = create_app(seeded.registry)
    host = Starlette(routes=[Mount("/tools/inspector", app=inspector)])
    pages = [
        "/",
        "/?session=s-1",
        "/sessions",
        "/stats?errors=1",
        f"/events/{seeded.segment.event_id}",
        f"/events/{seeded.synthesis.event_id}",
        "/events/missing",
    ]
    with TestClient(host, base_url="http://127.0.0.1") as client:
        for path in pages:
            response = client.get(f"/tools/inspector{path}", headers=HTML)
            assert response.status_code in (200, 404), path
            html = response.text
            assert '<meta name="inspector-root" content="/tools/inspector">' in html, path
            urls = LOCAL_URL.findall(html)
            assert urls, path
            outside = [url for url in urls if not url.startswith("/tools/inspector/")]
            assert outside == [], (path, outside)
        stats = client.get("/tools/inspector/stats?errors=1", headers=HTML).text
        assert 'hx-get="/tools/inspector/stats?errors=1"' in stats
        assert 'data-filter-aware="/tools/inspector/stats"' in stats
