"""SphinxRecognizer against the real PocketSphinx decoder and the shipped eSpeak NG prompts."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.builtin.replies import DEMO_REPLIES
from plugins_core.builtin.sphinx_engine import (
    SAMPLE_RATE,
    FinalResult,
    GrammarError,
    PartialResult,
    SphinxRecognizer,
    UnknownWordError,
    phrases_to_jsgf,
)
from plugins_core.exceptions import AudioFormatError

PROMPTS = Path(__file__).resolve().parent.parent / "plugins_core" / "builtin" / "prompts"
PHRASES = [line.strip() for line in (PROMPTS / "phrases.txt").read_text().splitlines() if line.strip()]
CHUNK = SAMPLE_RATE // 50  # 20 ms


def prompt(phrase: str) -> np.ndarray[Any, Any]:
    pcm = PcmData.from_wav(PROMPTS / f"{phrase.replace(' ', '_')}.wav")
    assert (pcm.sample_rate, pcm.channels) == (SAMPLE_RATE, 1)
    return pcm.samples


def stream(
    recognizer: SphinxRecognizer, samples: np.ndarray[Any, Any]
) -> tuple[list[str], FinalResult | None]:
    recognizer.start()
    partials = []
    for begin in range(0, samples.size, CHUNK):
        partial = recognizer.feed(samples[begin : begin + CHUNK])
        if partial is not None:
            assert isinstance(partial, PartialResult)
            partials.append(partial.text)
    return partials, recognizer.finish()


@pytest.fixture(scope="module")
def grammar() -> SphinxRecognizer:
    recognizer = SphinxRecognizer(phrases=PHRASES)
    recognizer.load()
    return recognizer


@pytest.fixture(scope="module")
def dictation() -> SphinxRecognizer:
    recognizer = SphinxRecognizer()
    recognizer.load()
    return recognizer


@pytest.fixture(scope="module")
def dictated(dictation: SphinxRecognizer) -> dict[str, FinalResult | None]:
    """Every prompt through open dictation once: the slow part (about 0.2 s each), so it is shared."""
    return {phrase: dictation.recognize(prompt(phrase)) for phrase in PHRASES}


def test_prompts_cover_the_demo_grammar() -> None:
    assert PHRASES == list(DEMO_REPLIES) and len(PHRASES) == 9


@pytest.mark.parametrize("phrase", PHRASES)
def test_grammar_mode_recognizes_each_prompt_exactly(grammar: SphinxRecognizer, phrase: str) -> None:
    result = grammar.recognize(prompt(phrase))
    assert result is not None
    assert result.text == phrase
    assert [word["word"] for word in result.words] == phrase.split()


def test_grammar_mode_result_does_not_depend_on_earlier_utterances(grammar: SphinxRecognizer) -> None:
    # PocketSphinx carries noise and cepstral-mean estimates across utterances unless reset.
    for phrase in [*reversed(PHRASES), *PHRASES]:
        result = grammar.recognize(prompt(phrase))
        assert result is not None and result.text == phrase


def test_streaming_20ms_chunks_gives_partials_then_the_same_final_as_one_shot(
    grammar: SphinxRecognizer,
) -> None:
    samples = prompt("turn on the lights")
    partials, final = stream(grammar, samples)
    assert final is not None and final.text == "turn on the lights"
    assert len(partials) >= 2
    assert all(a != b for a, b in zip(partials, partials[1:], strict=False))  # only changes are reported
    assert partials[-1] == "turn on the lights"
    one_shot = grammar.recognize(samples)
    assert one_shot is not None
    assert (one_shot.text, one_shot.words) == (final.text, final.words)


def test_partial_results_carry_growing_audio_duration(grammar: SphinxRecognizer) -> None:
    samples = prompt("play some music")
    grammar.start()
    durations = []
    for begin in range(0, samples.size, CHUNK):
        partial = grammar.feed(samples[begin : begin + CHUNK])
        if partial is not None:
            durations.append(partial.audio_duration_ms)
            assert partial.processing_time_ms >= 0.0
    grammar.finish()
    assert durations == sorted(durations) and durations[-1] <= samples.size * 1000 / SAMPLE_RATE


def test_dictation_mode_returns_some_text(
    dictation: SphinxRecognizer, dictated: dict[str, FinalResult | None]
) -> None:
    # Open dictation on synthetic speech is poor ("hello world" comes out as other words), but not empty.
    assert dictation.mode == "dictation"
    for result in dictated.values():
        assert result is not None
        assert result.text.strip()


def test_dictation_streaming_gives_partials(dictation: SphinxRecognizer) -> None:
    partials, final = stream(dictation, prompt("goodbye"))
    assert partials
    assert final is not None and final.text


def test_confidence_is_a_probability_and_word_times_increase(
    grammar: SphinxRecognizer, dictated: dict[str, FinalResult | None]
) -> None:
    for phrase in PHRASES:
        samples = prompt(phrase)
        for result in (grammar.recognize(samples), dictated[phrase]):
            assert result is not None
            assert 0.0 <= result.confidence <= 1.0
            assert 0.0 <= result.posterior <= 1.0
            assert result.words
            duration = samples.size * 1000 / SAMPLE_RATE
            assert result.audio_duration_ms == pytest.approx(duration)
            assert result.processing_time_ms > 0.0
            previous_end = 0.0
            for word in result.words:
                assert 0.0 <= word["confidence"] <= 1.0
                assert previous_end <= word["start_ms"] < word["end_ms"] <= duration
                assert not word["word"].startswith(("<", "["))  # fillers such as <sil> are skipped
                assert "(" not in word["word"]  # alternate-pronunciation markers are stripped
                previous_end = word["end_ms"]


def test_grammar_match_is_confident(grammar: SphinxRecognizer) -> None:
    result = grammar.recognize(prompt("hello world"))
    assert result is not None and result.confidence > 0.5


def test_silence_gives_none(grammar: SphinxRecognizer, dictation: SphinxRecognizer) -> None:
    silence = np.zeros(SAMPLE_RATE, dtype=np.int16)
    assert grammar.recognize(silence) is None
    assert dictation.recognize(silence) is None
    grammar.start()
    assert grammar.finish() is None  # no audio at all


def test_bad_sample_rate_is_refused_by_name() -> None:
    with pytest.raises(AudioFormatError, match="sample_rate") as caught:
        SphinxRecognizer(sample_rate=44100)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(ValueError, match="sample_rate"):
        SphinxRecognizer(sample_rate=8000, phrases=["hello"])


def test_non_int16_or_stereo_samples_are_refused(grammar: SphinxRecognizer) -> None:
    with pytest.raises(AudioFormatError, match="samples"):
        grammar.recognize(np.zeros(1600, dtype=np.float32))
    with pytest.raises(AudioFormatError, match="mono"):
        grammar.recognize(np.zeros((1600, 2), dtype=np.int16))
    assert not grammar.in_utterance


def test_column_vector_samples_are_accepted(grammar: SphinxRecognizer) -> None:
    result = grammar.recognize(prompt("goodbye").reshape(-1, 1))  # as sounddevice delivers mono
    assert result is not None and result.text == "goodbye"


def test_unknown_phrase_word_is_named() -> None:
    recognizer = SphinxRecognizer(phrases=["hello world", "open the frobnicator"])
    with pytest.raises(UnknownWordError, match="frobnicator") as caught:
        recognizer.load()
    assert caught.value.word == "frobnicator"
    assert caught.value.phrase == "open the frobnicator"
    assert isinstance(caught.value, ValueError)
    assert not recognizer.is_loaded


def test_unknown_word_in_a_jsgf_grammar_is_named() -> None:
    recognizer = SphinxRecognizer(
        grammar="#JSGF V1.0;\ngrammar g;\npublic <c> = (turn | flip) on the blorpf;\n"
    )
    with pytest.raises(UnknownWordError, match="blorpf"):
        recognizer.start()


def test_upper_case_grammar_word_hints_at_lower_case() -> None:
    recognizer = SphinxRecognizer(grammar="#JSGF V1.0;\ngrammar g;\npublic <c> = HELLO world;\n")
    with pytest.raises(UnknownWordError, match="lower-case"):
        recognizer.load()


def test_jsgf_grammar_with_alternatives_and_options() -> None:
    jsgf = (
        "#JSGF V1.0;\ngrammar lights;\n"
        "public <command> = (turn | switch) (on | off) [the] lights | goodbye;\n"
    )
    recognizer = SphinxRecognizer(grammar=jsgf)
    assert recognizer.mode == "grammar" and recognizer.grammar == jsgf
    for phrase in ("turn on the lights", "goodbye"):
        result = recognizer.recognize(prompt(phrase))
        assert result is not None and result.text == phrase


def test_invalid_jsgf_raises_grammar_error() -> None:
    with pytest.raises(GrammarError, match="JSGF"):
        SphinxRecognizer(grammar="public <broken> = hello (world;").load()


def test_pronunciations_add_words_to_the_dictionary() -> None:
    recognizer = SphinxRecognizer(
        phrases=["hello frobnicator"], pronunciations={"frobnicator": "F R AA B N IH K EY T ER"}
    )
    recognizer.load()
    assert recognizer.is_loaded


def test_phrases_are_normalised_into_a_jsgf_alternative() -> None:
    assert phrases_to_jsgf(["Hello, World!", "goodbye", "hello world"]) == (
        "#JSGF V1.0;\ngrammar phrases;\npublic <phrase> = hello world | goodbye;\n"
    )
    recognizer = SphinxRecognizer(phrases=["What time is it?", "Goodbye."])
    assert recognizer.phrases == ("what time is it", "goodbye")
    assert not recognizer.is_loaded  # the decoder is created on first use, not by the constructor


@pytest.mark.parametrize(
    "kwargs",
    [
        {"phrases": []},
        {"phrases": ["   "]},
        {"phrases": "hello world"},
        {"phrases": ["turn <on> the lights"]},
        {"grammar": ""},
        {"grammar": "public <a> = hi;", "phrases": ["hi"]},
    ],
)
def test_bad_grammar_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(GrammarError):
        SphinxRecognizer(**kwargs)


def test_utterance_protocol_is_enforced(grammar: SphinxRecognizer) -> None:
    with pytest.raises(RuntimeError, match="start"):
        grammar.feed(np.zeros(CHUNK, dtype=np.int16))
    with pytest.raises(RuntimeError, match="start"):
        grammar.finish()
    grammar.start()
    try:
        with pytest.raises(RuntimeError, match="in progress"):
            grammar.start()
        with pytest.raises(RuntimeError, match="in progress"):
            grammar.recognize(prompt("goodbye"))
        assert grammar.feed(np.zeros(0, dtype=np.int16)) is None
    finally:
        grammar.cancel()
    assert not grammar.in_utterance
    result = grammar.recognize(prompt("goodbye"))
    assert result is not None and result.text == "goodbye"


def test_one_recognizer_can_be_shared_between_threads(grammar: SphinxRecognizer) -> None:
    results: dict[str, str | None] = {}

    def work(phrase: str) -> None:
        result = grammar.recognize(prompt(phrase))
        results[phrase] = result.text if result else None

    threads = [threading.Thread(target=work, args=(phrase,)) for phrase in PHRASES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {phrase: phrase for phrase in PHRASES}


def test_recognition_is_faster_than_real_time(grammar: SphinxRecognizer) -> None:
    result = grammar.recognize(prompt("what time is it"))
    assert result is not None
    assert result.real_time_factor < 0.5
