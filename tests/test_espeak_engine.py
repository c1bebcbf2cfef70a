"""Tests of plugins_core.builtin.espeak_engine: real eSpeak NG synthesis, no mocks."""

from __future__ import annotations

import ctypes
import gc
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from plugins_core.builtin import espeak_engine
from plugins_core.builtin.espeak_engine import EspeakEngine, EspeakUnavailableError

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "plugins_core" / "builtin" / "prompts"
# About 10 s of speech: ~170 chunks of 60 ms, far more than the 64 the stream buffers.
LONG_TEXT = (
    "The quick brown fox jumps over the lazy dog. Streaming speech should arrive in pieces, one "
    "buffer at a time, while the synthesizer is still working on the rest of the sentence."
)


def _rms(samples: npt.NDArray[np.int16]) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def _engine() -> EspeakEngine:
    engine = EspeakEngine.get()
    assert not engine.busy, "a previous test left a synthesis running"
    return engine


def test_importing_the_module_does_not_load_the_library() -> None:
    if not Path("/proc/self/maps").exists():
        pytest.skip("needs /proc/self/maps to see which shared libraries are loaded")
    code = (
        "import plugins_core.builtin.espeak_engine\n"
        "maps = open('/proc/self/maps').read()\n"
        "print('libespeak-ng' in maps)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def test_sample_rate_is_what_initialize_returned() -> None:
    assert _engine().sample_rate == 22050


def test_get_returns_the_same_engine_from_every_thread() -> None:
    seen: list[EspeakEngine] = []
    threads = [threading.Thread(target=lambda: seen.append(EspeakEngine.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 8 and all(engine is seen[0] for engine in seen)


def test_constructing_a_second_engine_is_refused() -> None:
    with pytest.raises(TypeError, match=r"EspeakEngine\.get\(\)"):
        EspeakEngine()


def test_hello_world_is_audible_and_plausibly_long() -> None:
    engine = _engine()
    audio = engine.synthesize("hello world")
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert 0.5 <= len(audio) / engine.sample_rate <= 2.5
    assert _rms(audio) > 500  # measured ~2800; silence or a wrong sample format would be far lower


def test_a_long_sentence_streams_chunks_before_synthesis_ends() -> None:
    engine = _engine()
    chunks = []
    busy_at_first_chunk = None
    for chunk in engine.synthesize_chunks(LONG_TEXT):
        if busy_at_first_chunk is None:
            busy_at_first_chunk = engine.busy  # the producer still holds the library: it is not done
        chunks.append(chunk)
    assert busy_at_first_chunk is True
    assert not engine.busy
    assert len(chunks) > 64
    assert all(chunk.dtype == np.int16 and chunk.ndim == 1 and len(chunk) > 0 for chunk in chunks)
    assert all(chunk.flags.writeable for chunk in chunks)  # copies, not views of the library's buffer
    audio = np.concatenate(chunks)
    assert 6.0 <= len(audio) / engine.sample_rate <= 16.0
    assert _rms(audio) > 500


def test_streamed_chunks_add_up_to_the_whole_utterance() -> None:
    engine = _engine()
    whole = engine.synthesize("turn on the lights")
    streamed = np.concatenate(list(engine.synthesize_chunks("turn on the lights")))
    # eSpeak NG adds a little random jitter, so the two runs differ by a few samples, not more.
    assert abs(len(streamed) - len(whole)) <= 0.05 * len(whole)


def test_closing_the_generator_early_does_not_hang() -> None:
    engine = _engine()
    stream = engine.synthesize_chunks(LONG_TEXT)
    next(stream)
    next(stream)
    started = time.perf_counter()
    stream.close()
    assert time.perf_counter() - started < 2.0
    assert not engine.busy
    audio = engine.synthesize("hello world")
    assert 0.5 <= len(audio) / engine.sample_rate <= 2.5


def test_breaking_out_of_the_loop_or_dropping_the_generator_frees_the_engine() -> None:
    engine = _engine()
    for _chunk in engine.synthesize_chunks(LONG_TEXT):
        break
    gc.collect()
    assert not engine.busy
    stream = engine.synthesize_chunks(LONG_TEXT)
    next(stream)
    del stream
    gc.collect()
    assert not engine.busy
    assert len(engine.synthesize("goodbye")) > 0


def test_a_generator_that_is_never_iterated_does_nothing() -> None:
    engine = _engine()
    stream = engine.synthesize_chunks(LONG_TEXT)
    assert not engine.busy
    stream.close()
    assert len(engine.synthesize("goodbye")) > 0


def test_a_stalled_consumer_stops_its_synthesis_and_frees_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(espeak_engine, "_CONSUMER_TIMEOUT_S", 0.3)
    engine = _engine()
    stream = engine.synthesize_chunks(LONG_TEXT)
    next(stream)
    deadline = time.monotonic() + 5.0
    while engine.busy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not engine.busy
    assert len(engine.synthesize("hello world")) > 0
    with pytest.raises(TimeoutError, match="synthesis stopped"):
        for _chunk in stream:  # what was queued is still delivered, then the reason it stopped
            pass


def test_two_threads_synthesizing_at_once_are_serialized() -> None:
    engine = _engine()
    text = "what time is it"
    slow_reference = len(engine.synthesize(text, rate_wpm=80, pitch=20))
    fast_reference = len(engine.synthesize(text, rate_wpm=450, pitch=90))
    assert slow_reference > 2 * fast_reference
    results: dict[str, list[int]] = {"slow": [], "fast": []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(name: str, rate: int, pitch: int) -> None:
        try:
            barrier.wait(timeout=10)
            for round_ in range(6):
                if round_ % 2:
                    audio = engine.synthesize(text, rate_wpm=rate, pitch=pitch)
                else:
                    audio = np.concatenate(list(engine.synthesize_chunks(text, rate_wpm=rate, pitch=pitch)))
                results[name].append(len(audio))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("slow", 80, 20)),
        threading.Thread(target=run, args=("fast", 450, 90)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a synthesis thread hung"
    assert errors == []
    # Had one thread's rate leaked into the other's synthesis, a length would be off by 2x or more.
    assert all(abs(n - slow_reference) <= 0.1 * slow_reference for n in results["slow"]), results
    assert all(abs(n - fast_reference) <= 0.1 * fast_reference for n in results["fast"]), results
    assert len(results["slow"]) == len(results["fast"]) == 6
    assert not engine.busy


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_refused_at_call_time(text: str) -> None:
    engine = _engine()
    with pytest.raises(ValueError, match="text"):
        engine.synthesize(text)
    with pytest.raises(ValueError, match="text"):
        engine.synthesize_chunks(text)  # no iteration needed: arguments are checked by the call


def test_text_must_be_a_string_without_nul() -> None:
    engine = _engine()
    with pytest.raises(TypeError, match="text"):
        engine.synthesize(b"hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NUL"):
        engine.synthesize("hello\x00world")


def test_out_of_range_settings_are_refused_with_their_name() -> None:
    engine = _engine()
    with pytest.raises(ValueError, match="rate_wpm"):
        engine.synthesize("hi", rate_wpm=20)
    with pytest.raises(ValueError, match="pitch"):
        engine.synthesize_chunks("hi", pitch=101)
    with pytest.raises(ValueError, match="volume"):
        engine.synthesize("hi", volume=-1)
    with pytest.raises(TypeError, match="rate_wpm"):
        engine.synthesize("hi", rate_wpm=True)


def test_an_unknown_voice_is_a_value_error_and_the_engine_keeps_working() -> None:
    engine = _engine()
    with pytest.raises(ValueError, match="zz-nope"):
        engine.synthesize("hello", voice="zz-nope")
    with pytest.raises(ValueError, match="zz-nope"):
        list(engine.synthesize_chunks("hello", voice="zz-nope"))
    assert not engine.busy
    assert _rms(engine.synthesize("hello", voice="en-us")) > 500


def test_voices_lists_the_bundled_voices_and_they_can_be_used() -> None:
    engine = _engine()
    voices = engine.voices()
    assert len(voices) > 50
    american = [voice for voice in voices if "en-us" in voice.languages]
    assert american, voices[:5]
    assert len(engine.synthesize("bonjour tout le monde", voice="fr")) > 0
    assert len(engine.synthesize("hello", voice=american[0].identifier)) > 0


def test_a_missing_or_broken_library_raises_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "libespeak-ng.so"
    with pytest.raises(EspeakUnavailableError, match="not found"):
        espeak_engine._Library(str(missing))
    missing.write_bytes(b"not a shared library")
    with pytest.raises(EspeakUnavailableError, match="cannot load"):
        espeak_engine._Library(str(missing))
    assert issubclass(EspeakUnavailableError, RuntimeError)


def test_a_data_directory_without_phoneme_tables_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EspeakUnavailableError, match="not found"):
        espeak_engine._check_data_dir(str(tmp_path / "nowhere"))
    with pytest.raises(EspeakUnavailableError, match="phontab"):
        espeak_engine._check_data_dir(str(tmp_path))


def test_event_struct_matches_the_c_layout() -> None:
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("layout checked for 64-bit pointers")
    assert espeak_engine._EspeakEvent.user_data.offset == 24  # 6 ints, then an 8-aligned pointer
    assert espeak_engine._EspeakEvent.id.offset == 32
    assert ctypes.sizeof(espeak_engine._EspeakEvent) == 40


def test_prompt_wavs_exist_and_are_16k_mono_int16() -> None:
    phrases = (PROMPTS / "phrases.txt").read_text(encoding="utf-8").splitlines()
    assert len(phrases) >= 5
    for phrase in phrases:
        assert phrase == phrase.lower() and phrase.replace(" ", "").isalpha(), phrase
        path = PROMPTS / f"{phrase.replace(' ', '_')}.wav"
        assert path.stat().st_size < 100_000, path
        with wave.open(str(path), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000), path
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        assert 1.0 <= len(samples) / 16000 <= 4.0, path
        assert not samples[: int(0.35 * 16000)].any(), f"{path}: no silence before the words"
        assert not samples[-int(0.55 * 16000) :].any(), f"{path}: no silence after the words"
        assert _rms(samples) > 300, path
