"""eSpeak NG through a real PortAudio output stream (sounddevice) into a file-backed ALSA device.

tests/alsa_support.py points ALSA at a ``file`` PCM for the duration of each test, so PortAudio runs
for real with no sound card; the raw file then holds exactly the bytes that reached the device.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alsa_support import AlsaTestDevices, alsa_test_devices

from plugins_core import EventRegistry
from plugins_core.builtin import (
    DEMO_REPLIES,
    EspeakTTS,
    PocketSphinxSTT,
    ScriptedReplies,
    SpeakerSink,
    VoicePipeline,
    WavFileSource,
    WebRTCVAD,
    open_sink,
    prompt_files,
)
from plugins_core.events import TTSAudioEvent

PROMPTS: dict[str, Path] = {path.stem.replace("_", " "): path for path in prompt_files()}
SENTENCE = "Turn on the lights, then play some music."

pytestmark = pytest.mark.audio


@pytest.fixture
def alsa(tmp_path: Path) -> Iterator[AlsaTestDevices]:
    with alsa_test_devices(tmp_path / "alsa") as devices:
        yield devices


def assert_played_exactly(captured: bytes, produced: bytes) -> None:
    """``produced`` is found whole in what the device got, and anything around it is silence."""
    assert produced, "TTS produced audio"
    offset = captured.find(produced)
    assert offset >= 0, f"the {len(produced)} bytes produced are not in the {len(captured)} captured"
    around = captured[:offset] + captured[offset + len(produced) :]
    assert around == bytes(len(around)), "only silence around the speech"


@pytest.mark.asyncio
async def test_espeak_tts_plays_through_portaudio_exactly_what_it_produced(alsa: AlsaTestDevices) -> None:
    registry = EventRegistry()
    sink = SpeakerSink(alsa.speaker, sample_rate=22050)
    tts = EspeakTTS(registry=registry, output=sink)
    chunks: list[TTSAudioEvent] = []
    tts.on("audio", chunks.append)
    result = await tts.send(SENTENCE)
    await asyncio.wait_for(sink.drain(), 10)
    await sink.close()
    await tts.close()

    produced = b"".join(chunk.audio_data or b"" for chunk in chunks)
    assert produced == result.audio.to_bytes() and len(chunks) >= 20
    assert sink.error is None
    assert sink.bytes_written == sink.bytes_played == len(produced)
    assert sink.chunks_written == len(chunks)
    assert_played_exactly(alsa.speaker_bytes(), produced)


@pytest.mark.asyncio
async def test_the_pipelines_spoken_reply_reaches_the_speaker(alsa: AlsaTestDevices) -> None:
    registry = EventRegistry()
    speaker, reason = open_sink("speaker", device=alsa.speaker, sample_rate=22050)
    assert isinstance(speaker, SpeakerSink) and reason is None
    replies = ScriptedReplies()
    vad = WebRTCVAD(registry=registry, prefix_pad_ms=150)
    stt = PocketSphinxSTT(phrases=replies.phrases, registry=registry)
    tts = EspeakTTS(registry=registry)
    pipeline = VoicePipeline(vad, stt, tts, replies, output=speaker)
    result = await pipeline.run_conversation(WavFileSource(PROMPTS["hello world"], realtime=False))
    await asyncio.wait_for(speaker.drain(), 10)
    await speaker.close()
    await pipeline.close()

    assert [turn.reply for turn in result.turns] == [DEMO_REPLIES["hello world"]]
    chunks = [e for e in registry.get_session_events(result.session_id) if isinstance(e, TTSAudioEvent)]
    produced = b"".join(chunk.audio_data or b"" for chunk in chunks)
    assert speaker.bytes_played == len(produced)
    assert_played_exactly(alsa.speaker_bytes(), produced)


@pytest.mark.asyncio
async def test_speech_plays_at_the_device_pace_while_tts_runs_ahead(alsa: AlsaTestDevices) -> None:
    # the paced device drains its FIFO at 32,000 bytes/s, as a sound card consumes its buffer
    sink = SpeakerSink(alsa.paced_speaker, sample_rate=22050)
    tts = EspeakTTS(registry=EventRegistry(), output=sink)
    chunks: list[TTSAudioEvent] = []
    tts.on("audio", chunks.append)
    started = time.monotonic()
    await tts.send("Goodbye.")
    synthesized = time.monotonic() - started
    await asyncio.wait_for(sink.drain(), 10)
    played = time.monotonic() - started
    await sink.close()

    produced = b"".join(chunk.audio_data or b"" for chunk in chunks)
    nominal = len(produced) / alsa.paced.bytes_per_second
    # synthesis does not wait for the speaker; drain waits until the device has consumed the audio
    # (less its 4 KiB pipe, which counts as played)
    assert synthesized < nominal / 2, (synthesized, nominal)
    assert played > (len(produced) - 8192) / alsa.paced.bytes_per_second, (played, nominal)
    assert_played_exactly(alsa.paced.wait_until_idle(), produced)
