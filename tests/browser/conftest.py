"""Browser tests: a real uvicorn serving the inspector on 127.0.0.1 over a fresh registry, fed by the
real plugin base classes (VAD, STT, TTS subclasses with tiny deterministic engines) from a thread
with its own event loop, and driven through headless Chromium (Debian's /usr/bin/chromium).

The server, the feeder and the browser are session-scoped to keep the suite fast; every test gets
its own browser context (fresh storage) and page, and uses its own session ids where it counts.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from playwright.sync_api import Browser, Dialog, Page, Playwright, sync_playwright

from inspector.app import InspectorServer
from inspector.settings import InspectorSettings
from plugins_core import STT, TTS, VAD, EventRegistry, PcmData, TranscriptResult, VADAudioEvent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RATE = 16_000
T = TypeVar("T")


def tone(ms: float, freq: float = 220.0, amplitude: float = 0.4) -> np.ndarray[Any, np.dtype[np.int16]]:
    """A sine tone with a soft attack and release (the "speech" of these tests)."""
    n = int(RATE * ms / 1000)
    t = np.arange(n) / RATE
    envelope = np.minimum(1.0, np.minimum(t, t[::-1] if n else t) / 0.01)
    wave = amplitude * envelope * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    return (np.clip(wave, -1, 1) * 32767).astype(np.int16)


def silence(ms: float) -> np.ndarray[Any, np.dtype[np.int16]]:
    return np.zeros(int(RATE * ms / 1000), dtype=np.int16)


class ToneVAD(VAD):
    """Speech wherever a frame is loud: the generated tones are speech, the silence is not."""

    async def is_speech(self, frame: PcmData) -> float:
        samples = frame.samples.astype(np.float64) / 32768.0
        rms = float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
        return min(1.0, rms * 5.0)


class ScriptedSTT(STT):
    """Transcribes each segment as the next scripted line: a partial (first half), then the final
    transcript with the scripted confidence. The line ``!fail`` raises, as a broken engine would."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script: list[tuple[str, float]] = []

    async def _process_audio_impl(
        self, pcm_data: PcmData, user_metadata: dict[str, Any] | None = None
    ) -> list[TranscriptResult] | None:
        text, confidence = self.script.pop(0) if self.script else ("okay", 0.9)
        if text == "!fail":
            raise RuntimeError("scripted recognizer failure")
        await asyncio.sleep(0.01)
        words = text.split()
        partial = " ".join(words[: max(1, len(words) // 2)])
        return [
            (False, partial, {"confidence": round(confidence * 0.8, 3)}),
            (True, text, {"confidence": confidence, "model_name": "scripted-1"}),
        ]


class SineTTS(TTS):
    """Synthesizes any text as a few chunks of sine tone (a chord that rises with each chunk)."""

    chunk_ms = 120.0
    chunk_delay_s = 0.02

    async def _chunks_of(self, text: str) -> AsyncIterator[np.ndarray[Any, np.dtype[np.int16]]]:
        count = max(2, min(6, len(text) // 8))
        for index in range(count):
            await asyncio.sleep(self.chunk_delay_s)
            yield tone(self.chunk_ms, 300.0 + 40.0 * index, 0.3)

    def stream_audio(self, text: str, *args: Any, **kwargs: Any) -> Any:
        return self._chunks_of(text)


@dataclass
class Pipeline:
    """One conversation: a VAD, an STT and a TTS sharing a session id."""

    session_id: str
    vad: ToneVAD
    stt: ScriptedSTT
    tts: SineTTS
    segments: list[VADAudioEvent] = field(default_factory=list)


class Feeder:
    """Runs plugins on its own event loop in a background thread, as a real app would."""

    def __init__(self, registry: EventRegistry) -> None:
        self.registry = registry
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="feeder", daemon=True)
        self.thread.start()
        self.pipelines: list[Pipeline] = []
        self._ambient: asyncio.Task[None] | None = None

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def pipeline(self, session_id: str, suffix: str = "") -> Pipeline:
        async def make() -> Pipeline:
            common: dict[str, Any] = {"session_id": session_id, "registry": self.registry}
            vad = ToneVAD(
                sample_rate=RATE,
                frame_size=320,
                speech_pad_ms=160,
                min_speech_ms=200,
                partial_frames=15,
                provider_name=f"tone-vad{suffix}",
                **common,
            )
            stt = ScriptedSTT(sample_rate=RATE, provider_name=f"scripted-stt{suffix}", **common)
            tts = SineTTS(sample_rate=RATE, provider_name=f"sine-tts{suffix}", voice_id="sine", **common)
            pipe = Pipeline(session_id, vad, stt, tts)
            vad.on("audio", pipe.segments.append)
            return pipe

        pipe = self.call(make())
        self.pipelines.append(pipe)
        return pipe

    async def run_turn(self, pipe: Pipeline, text: str, confidence: float, speed: float) -> None:
        """Speech (tone) in 100 ms chunks at ``speed`` times real time, its transcript, a reply."""
        pipe.stt.script.append((text, confidence))
        audio = np.concatenate([silence(120), tone(560), silence(360)])
        chunk = RATE // 10
        before = len(pipe.segments)
        for offset in range(0, audio.size, chunk):
            await pipe.vad.process_audio(PcmData(audio[offset : offset + chunk], RATE))
            await asyncio.sleep(0.1 / speed)
        await pipe.vad.flush()
        for segment in pipe.segments[before:]:
            assert segment.audio_data is not None
            await pipe.stt.process_audio(segment.audio_data, sample_rate=segment.sample_rate)
        if text != "!fail":
            await pipe.tts.send(f"You said: {text}")

    def turn(self, pipe: Pipeline, text: str, confidence: float = 0.9, *, speed: float = 8.0) -> None:
        self.call(self.run_turn(pipe, text, confidence, speed))

    def start_ambient(self, pipe: Pipeline, lines: list[tuple[str, float]], speed: float = 6.0) -> None:
        """Keep talking (cycling through ``lines``) until ``stop_ambient``."""

        async def talk() -> None:
            index = 0
            while True:
                text, confidence = lines[index % len(lines)]
                await self.run_turn(pipe, text, confidence, speed)
                index += 1
                await asyncio.sleep(0.05)

        async def start() -> asyncio.Task[None]:
            return asyncio.get_running_loop().create_task(talk())

        self._ambient = self.call(start())

    def stop_ambient(self) -> None:
        task = self._ambient
        self._ambient = None
        if task is None:
            return

        async def stop() -> None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

        self.call(stop())

    def close(self) -> None:
        self.stop_ambient()

        async def close_all() -> None:
            for pipe in self.pipelines:
                for plugin in (pipe.vad, pipe.stt, pipe.tts):
                    await plugin.close()

        self.call(close_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class LiveInspector:
    url: str
    registry: EventRegistry
    feeder: Feeder
    alpha: Pipeline
    beta: Pipeline

    def api(self, path: str) -> Any:
        """GET a JSON API path (tests compare what the page shows with what the server has)."""
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def live() -> Iterator[LiveInspector]:
    registry = EventRegistry(max_events=20_000)
    server = InspectorServer(registry, InspectorSettings(port=0))
    server.start_in_thread()
    feeder = Feeder(registry)
    alpha = feeder.pipeline("sess-alpha")
    beta = feeder.pipeline("sess-beta", suffix="-b")
    feeder.turn(alpha, "turn on the lights", 0.93)
    feeder.turn(beta, "what time is it", 0.41)
    feeder.turn(alpha, "play some music", 0.88)
    try:
        yield LiveInspector(f"http://127.0.0.1:{server.bound_port}", registry, feeder, alpha, beta)
    finally:
        feeder.close()
        server.stop_thread()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        # The Clear button asks for confirmation; any other dialog (an alert()!) is a failure.
        if dialog.message.startswith("Clear every buffered event"):
            dialog.accept()
        else:
            errors.append(f"unexpected {dialog.type}: {dialog.message}")
            dialog.dismiss()

    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", on_dialog)
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"the page reported errors: {errors}"
