"""Tests of plugins_core.builtin.audio_io: sources, sinks, and real PortAudio streams on file-backed ALSA.

The device tests need only Debian's libportaudio2: tests/alsa_support.py points ALSA at file-backed PCMs
for the duration of each test, so PortAudio runs for real on a machine with no sound card.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from alsa_support import AlsaTestDevices, alsa_test_devices

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_io import (
    PORTAUDIO_HINT,
    AudioDeviceUnavailable,
    MemorySink,
    MicrophoneSource,
    NullSink,
    PcmSource,
    SpeakerSink,
    SyntheticSource,
    WavFileSink,
    WavFileSource,
    open_sink,
    open_source,
    portaudio_status,
)
from plugins_core.exceptions import AudioFormatError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def alsa(tmp_path: Path) -> Iterator[AlsaTestDevices]:
    with alsa_test_devices(tmp_path / "alsa") as devices:
        yield devices


def tone(frequency: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    n = np.arange(round(seconds * rate))
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * frequency * n / rate)).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    path.write_bytes(PcmData(samples, rate).to_wav_bytes())
    return path


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / len(samples))


async def collect(
    source: PcmSource | SyntheticSource | MicrophoneSource, limit: int = 10_000
) -> list[PcmData]:
    chunks: list[PcmData] = []
    async for chunk in source:
        chunks.append(chunk)
        if len(chunks) >= limit:
            break
    return chunks


# ------------------------------------------------------------------------------------ speaker (PortAudio)


@pytest.mark.audio
@pytest.mark.asyncio
async def test_speaker_sink_plays_the_exact_samples_through_portaudio(alsa: AlsaTestDevices) -> None:
    signal = tone(440, 0.5, 22050)
    async with SpeakerSink(alsa.speaker, sample_rate=22050) as sink:
        for start in range(0, len(signal), 441):  # 20 ms chunks, as a TTS stream sends them
            await sink.write(PcmData(signal[start : start + 441], 22050))
        await asyncio.wait_for(sink.drain(), 5)
        assert sink.bytes_played == sink.bytes_written == signal.nbytes
    captured = alsa.speaker_bytes()
    offset = captured.find(signal.tobytes())
    assert offset >= 0, f"signal not found in {len(captured)} captured bytes"
    padding = captured[:offset] + captured[offset + signal.nbytes :]
    assert padding == bytes(len(padding)), "anything around the signal must be silence"


@pytest.mark.audio
@pytest.mark.asyncio
async def test_speaker_sink_converts_bytes_float_and_other_rates(alsa: AlsaTestDevices) -> None:
    stereo = np.repeat(tone(300, 0.1, 16000)[:, None], 2, axis=1)
    async with SpeakerSink(alsa.speaker, sample_rate=16000, channels=2) as sink:
        await sink.write(stereo.tobytes(), 16000)  # raw interleaved int16 with its rate
        floats = PcmData.from_array(np.full(160, -0.7, np.float32), 16000)
        await sink.write(floats)  # float mono: converted to int16 and duplicated to 2 channels
        await sink.write(PcmData(np.zeros(320, np.int16), 32000))  # resampled to 160 frames
        await sink.drain()
    captured = alsa.speaker_bytes()
    assert captured.find(stereo.tobytes()) >= 0
    expected_total = stereo.nbytes + 160 * 4 + 160 * 4
    assert sink.bytes_written == expected_total
    level = int(floats.to_int16().samples[0])
    assert level < -20000 and np.frombuffer(captured, np.int16).tolist().count(level) == 160 * 2


@pytest.mark.audio
@pytest.mark.asyncio
async def test_speaker_sink_drain_waits_for_real_time_playback_without_blocking_the_loop(
    alsa: AlsaTestDevices,
) -> None:
    signal = tone(440, 1.0, 16000)  # 32000 bytes, consumed by the paced device at 32000 B/s
    lags: list[float] = []

    async def ticker() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.005)
            lags.append(time.monotonic() - before - 0.005)

    probe = asyncio.create_task(ticker())
    sink = SpeakerSink(alsa.paced_speaker, sample_rate=16000, max_buffer_ms=200)
    started = time.monotonic()
    for start in range(0, len(signal), 320):
        await sink.write(PcmData(signal[start : start + 320], 16000))
    writes_done = time.monotonic() - started
    await asyncio.wait_for(sink.drain(), 5)
    drained = time.monotonic() - started
    await sink.close()
    probe.cancel()
    received = alsa.paced.wait_for(signal.nbytes)
    # backpressure: with 200 ms allowed in the queue, the writes had to wait for the device
    assert writes_done > 0.5, writes_done
    # the device's 4 KiB pipe (128 ms) counts as played when drain returns; the rest was consumed in real time
    assert 0.8 < drained < 1.5, drained
    assert max(lags) < 0.05, f"event loop stalled {max(lags) * 1000:.0f} ms"
    assert received.find(signal.tobytes()) >= 0


@pytest.mark.audio
@pytest.mark.asyncio
async def test_speaker_sink_clear_cuts_queued_audio_and_keeps_playing_later_writes(
    alsa: AlsaTestDevices,
) -> None:
    long_tone, beep = tone(200, 3.0, 16000), tone(1000, 0.1, 16000)
    async with SpeakerSink(alsa.paced_speaker, sample_rate=16000) as sink:
        await sink.write(PcmData(long_tone, 16000))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        sink.clear()
        await sink.write(PcmData(beep, 16000))
        await asyncio.wait_for(sink.drain(), 5)
        assert time.monotonic() - started < 1.0
    received = alsa.paced.wait_until_idle()
    assert len(received) < long_tone.nbytes // 2, "most of the 3 s tone must have been dropped"
    assert received.find(beep.tobytes()) >= 0


@pytest.mark.audio
def test_speaker_sink_refuses_an_unknown_device_with_a_reason(alsa: AlsaTestDevices) -> None:
    with pytest.raises(AudioDeviceUnavailable, match="no-such-speaker"):
        SpeakerSink("no-such-speaker")


# --------------------------------------------------------------------------------- microphone (PortAudio)


@pytest.mark.audio
@pytest.mark.asyncio
async def test_microphone_source_delivers_the_device_audio_in_exact_chunks(alsa: AlsaTestDevices) -> None:
    fed = (np.arange(320 * 25) % 20000).astype(np.int16)  # every sample differs from its neighbours
    async with MicrophoneSource(sample_rate=16000, chunk_ms=20) as mic:  # the default device: ALSA's
        try:
            alsa.feed_microphone(fed.tobytes())
            chunks = await asyncio.wait_for(collect(mic, limit=25), 5)
            assert (mic.dropped_chunks, mic.overflows, mic.queued_chunks) == (0, 0, 0)
        finally:
            alsa.end_microphone()  # from here on the microphone reads end-of-file as fast as it can
    assert [c.frame_count for c in chunks] == [320] * 25
    assert {(c.sample_rate, c.channels, c.format.value) for c in chunks} == {(16000, 1, "s16")}
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), fed)
    assert await mic.read() is None, "a closed source ends the iteration"


@pytest.mark.audio
@pytest.mark.asyncio
async def test_microphone_source_drops_the_oldest_chunks_when_the_consumer_stalls(
    alsa: AlsaTestDevices,
) -> None:
    frames = 480  # 30 ms at 16 kHz
    fed = np.repeat(np.arange(20, dtype=np.int16), frames)  # chunk k holds the value k
    async with MicrophoneSource(alsa.microphone, chunk_ms=30, max_queue_chunks=5) as mic:
        try:
            alsa.feed_microphone(fed.tobytes())
            async with asyncio.timeout(5):
                while mic.chunks_captured < 20:  # the consumer stalls while PortAudio captures
                    await asyncio.sleep(0.005)
            assert (mic.dropped_chunks, mic.queued_chunks) == (15, 5)
            kept = [await mic.read() for _ in range(5)]
        finally:
            alsa.end_microphone()
    assert [int(c.samples[0]) for c in kept if c is not None] == [15, 16, 17, 18, 19]
    assert all(c is not None and c.frame_count == frames and len(set(c.samples)) == 1 for c in kept)


@pytest.mark.audio
def test_microphone_source_refuses_an_unknown_device_with_a_reason(alsa: AlsaTestDevices) -> None:
    with pytest.raises(AudioDeviceUnavailable, match="input device 'no-such-mic'"):
        MicrophoneSource("no-such-mic")


# ---------------------------------------------------------------------------- status and fallbacks


@pytest.mark.audio
def test_portaudio_status_names_the_version_and_default_devices(alsa: AlsaTestDevices) -> None:
    available, text = portaudio_status()
    assert available, text
    assert "PortAudio V19" in text
    assert "4 devices" in text  # inspector_speaker, inspector_paced_speaker, inspector_mic, default
    assert "default input: default" in text and "default output: default" in text


@pytest.mark.audio
@pytest.mark.asyncio
async def test_open_sink_falls_back_to_a_null_output_when_the_speaker_is_missing(
    alsa: AlsaTestDevices, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="plugins_core.builtin.audio_io"):
        sink, reason = open_sink("speaker", device="no-such-speaker", sample_rate=16000)
    assert isinstance(sink, NullSink)
    assert reason is not None and "no-such-speaker" in reason and reason.endswith("using a null output")
    assert reason in caplog.text
    async with sink:
        await sink.write(PcmData(np.zeros(320, np.int16), 16000))
    assert sink.bytes_written == 640

    speaker, reason = open_sink("speaker", device=alsa.speaker)
    assert isinstance(speaker, SpeakerSink) and reason is None and speaker.sample_rate == 22050
    await speaker.close()


@pytest.mark.audio
@pytest.mark.asyncio
async def test_open_source_falls_back_to_file_input_or_silence_when_the_microphone_is_missing(
    alsa: AlsaTestDevices, tmp_path: Path
) -> None:
    wav = write_wav(tmp_path / "prompt.wav", tone(440, 0.1, 16000), 16000)
    source, reason = open_source("microphone", device="no-such-mic", path=wav)
    assert isinstance(source, WavFileSource) and source.realtime
    assert reason is not None and "no-such-mic" in reason and f"using file input ({wav})" in reason
    source, reason = open_source("microphone", device="no-such-mic")
    assert isinstance(source, SyntheticSource) and source.kind == "silence"
    assert reason is not None and reason.endswith("using silent input")
    async with source:
        chunk = await source.read()
    assert chunk is not None and chunk.frame_count == 320 and not chunk.samples.any()


def test_without_portaudio_the_module_imports_and_every_factory_falls_back() -> None:
    # find_library returning None is how sounddevice sees a machine without libportaudio2
    script = """
import ctypes.util, json, asyncio
ctypes.util.find_library = lambda name: None
from plugins_core.builtin import audio_io
status = audio_io.portaudio_status()
sink, sink_reason = audio_io.open_sink("speaker")
source, source_reason = audio_io.open_source("microphone")
try:
    audio_io.SpeakerSink()
    error = None
except audio_io.AudioDeviceUnavailable as exc:
    error = exc.reason
print(json.dumps([status, type(sink).__name__, sink_reason, type(source).__name__, source_reason, error]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    status, sink_kind, sink_reason, source_kind, source_reason, error = json.loads(result.stdout)
    assert status == [False, "PortAudio not found (install Debian libportaudio2)"] == [False, PORTAUDIO_HINT]
    assert (sink_kind, source_kind) == ("NullSink", "SyntheticSource")
    assert sink_reason == "PortAudio not found (install Debian libportaudio2): using a null output"
    assert source_reason == "PortAudio not found (install Debian libportaudio2): using silent input"
    assert error == PORTAUDIO_HINT


def test_factories_refuse_unknown_kinds_and_missing_paths() -> None:
    with pytest.raises(ValueError, match="unknown source kind 'camera'"):
        open_source("camera")
    with pytest.raises(ValueError, match="unknown sink kind 'printer'"):
        open_sink("printer")
    with pytest.raises(ValueError, match="needs path"):
        open_source("file")
    with pytest.raises(ValueError, match="needs path"):
        open_sink("wav")
    assert isinstance(open_sink("null")[0], NullSink)
    assert isinstance(open_sink("memory")[0], MemorySink)
    assert isinstance(open_source("tone")[0], SyntheticSource)


# --------------------------------------------------------------------------------------- file sources


@pytest.mark.asyncio
async def test_wav_file_source_paces_chunks_in_real_time_or_runs_flat_out(tmp_path: Path) -> None:
    signal = tone(440, 0.3, 16000)
    wav = write_wav(tmp_path / "a.wav", signal, 16000)

    started = time.monotonic()
    async with WavFileSource(wav, chunk_ms=20, realtime=True) as source:
        chunks = await collect(source)
    paced = time.monotonic() - started
    assert 0.28 <= paced < 0.6, paced  # 15 chunks of 20 ms, each when a microphone would have it

    started = time.monotonic()
    async with WavFileSource(wav, realtime=False) as source:
        fast = await collect(source)
    assert time.monotonic() - started < 0.1
    for got in (chunks, fast):
        assert [c.frame_count for c in got] == [320] * 15
        assert np.array_equal(np.concatenate([c.samples for c in got]), signal)


@pytest.mark.asyncio
async def test_wav_file_source_resamples_mixes_to_mono_and_pads(tmp_path: Path) -> None:
    stereo = np.repeat(tone(440, 0.5, 44100)[:, None], 2, axis=1)
    wav = write_wav(tmp_path / "cd.wav", stereo, 44100)
    source = WavFileSource(wav, realtime=False, trailing_silence_ms=100)
    assert (source.file_sample_rate, source.sample_rate, source.channels) == (44100, 16000, 1)
    chunks = await collect(source)
    assert len(chunks) == 25 + 5 and all(c.frame_count == 320 and c.channels == 1 for c in chunks)
    audio = np.concatenate([c.samples for c in chunks])
    assert abs(dominant_frequency(audio[:8000], 16000) - 440) <= 2
    assert not audio[8000:].any(), "trailing silence"

    odd = write_wav(tmp_path / "odd.wav", tone(440, 0.31, 16000), 16000)  # 4960 frames: 15.5 chunks
    chunks = await collect(WavFileSource(odd, realtime=False))
    assert len(chunks) == 16 and not chunks[-1].samples[160:].any(), "the last chunk is padded with zeros"


def test_wav_file_source_refuses_a_missing_or_non_wav_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        WavFileSource(tmp_path / "missing.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(AudioFormatError):
        WavFileSource(tmp_path / "text.wav")


@pytest.mark.asyncio
async def test_synthetic_source_makes_a_continuous_tone_or_silence() -> None:
    source = SyntheticSource("tone", frequency=500, amplitude=0.25, duration_s=0.1, realtime=False)
    chunks = await collect(source)
    assert len(chunks) == 5
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), tone(500, 0.1, 16000, 0.25))

    endless = SyntheticSource(realtime=False, sample_rate=8000, chunk_ms=10, channels=2)
    chunks = await collect(endless, limit=200)
    await endless.close()
    assert await endless.read() is None
    assert len(chunks) == 200 and all(c.samples.shape == (80, 2) and not c.samples.any() for c in chunks)
    with pytest.raises(AudioFormatError, match="frequency"):
        SyntheticSource("tone", frequency=9000)


@pytest.mark.asyncio
async def test_pcm_source_streams_audio_already_in_memory() -> None:
    pcm = PcmData(tone(250, 0.2, 24000), 24000)
    chunks = await collect(PcmSource(pcm, chunk_ms=10, realtime=False, sample_rate=8000))
    assert [c.frame_count for c in chunks] == [80] * 20
    audio = np.concatenate([c.samples for c in chunks])
    assert abs(dominant_frequency(audio, 8000) - 250) <= 5


# ------------------------------------------------------------------------------------------ file sinks


@pytest.mark.asyncio
async def test_memory_sink_keeps_the_newest_audio_within_its_bound() -> None:
    sink = MemorySink(max_bytes=3200)  # 100 ms of 16 kHz mono
    for k in range(10):
        await sink.write(np.full(320, k, np.int16).tobytes(), 16000)
    assert (sink.size_bytes, sink.dropped_bytes, sink.bytes_written) == (3200, 3200, 6400)
    assert [int(c.samples[0]) for c in sink.chunks] == [5, 6, 7, 8, 9]

    await sink.write(PcmData(np.arange(2000, dtype=np.int16), 16000))  # one chunk larger than the bound
    assert sink.size_bytes == 3200 and sink.dropped_bytes == 3200 + 3200 + 800
    assert np.array_equal(sink.pcm().samples, np.arange(400, 2000, dtype=np.int16))

    before = sink.bytes_written
    await sink.write(PcmData.from_array(np.zeros(640, np.float32), 32000))  # float at 32 kHz: int16 at 16 kHz
    await sink.drain()  # the resampler's held-back tail is written at drain
    assert abs((sink.bytes_written - before) // 2 - 320) <= 1 and sink.chunks[-1].format.value == "s16"
    assert len(sink.to_bytes()) == sink.size_bytes
    await sink.close()
    with pytest.raises(RuntimeError, match="closed"):
        await sink.write(b"\0\0", 16000)


@pytest.mark.asyncio
async def test_a_sink_resamples_a_chunked_stream_as_one_signal_without_edge_clicks() -> None:
    signal = tone(440, 0.5, 44100)
    sink = MemorySink(sample_rate=16000)
    for start in range(0, len(signal), 441):  # 10 ms chunks, as a TTS or a device would send them
        await sink.write(PcmData(signal[start : start + 441], 44100))
    await sink.close()
    streamed = sink.pcm().samples.astype(np.int32)
    whole = PcmData(signal, 44100).resample(16000).samples.astype(np.int32)
    assert abs(len(streamed) - len(whole)) <= 1
    n = min(len(streamed), len(whole))
    middle = slice(160, n - 160)  # both are exact away from the ends of the signal
    assert np.max(np.abs(streamed[middle] - whole[middle])) < 0.01 * 32767
    # no click at any of the 50 chunk edges: the largest sample-to-sample step is the tone's own
    assert np.max(np.abs(np.diff(streamed[middle]))) <= np.max(np.abs(np.diff(whole[middle]))) + 200


@pytest.mark.asyncio
async def test_memory_sink_takes_its_rate_from_the_first_chunk_and_refuses_unknown_rates() -> None:
    sink = MemorySink()
    with pytest.raises(AudioFormatError, match="sample rate"):
        await sink.write(b"\0\0")
    await sink.write(PcmData(np.ones(441, np.int16), 22050))
    await sink.write(b"\x01\x00" * 441)  # raw bytes now default to the adopted 22050 Hz
    assert (sink.sample_rate, sink.channels, sink.pcm().frame_count) == (22050, 1, 882)


@pytest.mark.asyncio
async def test_wav_file_sink_streams_a_valid_wav(tmp_path: Path) -> None:
    signal = tone(440, 0.25, 22050)
    async with WavFileSink(tmp_path / "out.wav", 22050) as sink:
        for start in range(0, len(signal), 441):
            await sink.write(PcmData(signal[start : start + 441], 22050))
    with wave.open(str(tmp_path / "out.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert wav.getnframes() == len(signal)
    assert np.array_equal(PcmData.from_wav(tmp_path / "out.wav").samples, signal)

    empty = WavFileSink(tmp_path / "empty.wav")
    await empty.close()
    assert PcmData.from_wav(tmp_path / "empty.wav").frame_count == 0


@pytest.mark.asyncio
async def test_null_sink_counts_without_converting() -> None:
    async with NullSink() as sink:
        await sink.write(PcmData(np.zeros(800, np.int16), 8000))
        await sink.write(PcmData.from_array(np.zeros(1600, np.float32), 16000))
    assert (sink.bytes_written, sink.chunks_written, sink.duration_s) == (4800, 2, 0.2)
