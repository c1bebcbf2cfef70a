"""Offline speech recognition with CMU PocketSphinx 5: open dictation or a grammar, streamed or one-shot.

PocketSphinx runs on the CPU with no network and ships an en-us model, which makes it the recognizer
that always works. Its open dictation is weak on synthetic or accented speech, but a small grammar
(a command list) is recognised reliably, so both modes are offered.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

import numpy as np

from plugins_core.exceptions import AudioFormatError, PluginsCoreError

__all__ = [
    "SAMPLE_RATE",
    "FinalResult",
    "GrammarError",
    "PartialResult",
    "SphinxRecognizer",
    "UnknownWordError",
    "WordTiming",
    "phrases_to_jsgf",
]

SAMPLE_RATE = 16000
"""The en-us acoustic model was trained on 16 kHz audio; other rates would need another model."""

_GRAMMAR_SEARCH = "grammar"
_DITHER_SEED = 0x5EED
# pocketsphinx 5.1.1 segfaults on Decoder(lm=None) without another search, so a grammar-only decoder
# starts from a one-word keyphrase search: it loads the dictionary without the 26 MB language model.
_BOOTSTRAP_KEYPHRASE = "hello"
# <s>, </s>, <sil>, [NOISE], [SPEECH], ++GARBAGE++: markers, not words the user said.
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE_PRONUNCIATION = re.compile(r"\(\d+\)$")
# Characters with a meaning in JSGF syntax: a phrase holding one would change the grammar.
_JSGF_SPECIAL = re.compile(r"[;|<>()\[\]{}*+/=\"\\#!]")
_EDGE_PUNCTUATION = '.,?!:;"`'


class GrammarError(PluginsCoreError, ValueError):
    """A JSGF grammar or phrase list that pocketsphinx cannot use."""


class UnknownWordError(GrammarError):
    """A grammar word missing from the pronunciation dictionary: it could never be recognised."""

    def __init__(self, word: str, phrase: str | None = None, lower_case_known: bool = False) -> None:
        self.word = word
        self.phrase = phrase
        self.lower_case_known = lower_case_known
        where = f" (in phrase {phrase!r})" if phrase is not None else ""
        hint = (
            f"the dictionary is lower-case: write {word.lower()!r}"
            if lower_case_known
            else "use another word or pass pronunciations={word: 'ARPABET PHONES'}"
        )
        super().__init__(f"word {word!r}{where} is not in the pronunciation dictionary; {hint}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.word, self.phrase, self.lower_case_known))


class WordTiming(TypedDict):
    """One recognised word; times are relative to the start of the utterance."""

    word: str
    start_ms: float
    end_ms: float
    confidence: float


@dataclass(frozen=True, slots=True)
class PartialResult:
    """The decoder's current best guess while audio is still arriving; a later one may replace it."""

    text: str
    audio_duration_ms: float
    processing_time_ms: float


@dataclass(frozen=True, slots=True)
class FinalResult:
    """The recognition of one finished utterance.

    ``confidence`` is the product of the word posteriors (the chance that every word is right).
    ``posterior`` is pocketsphinx's posterior of the whole best path, which also counts where
    silences fall, so it is about 0.5 even for a certain grammar match: kept for reference only.
    ``processing_time_ms`` counts CPU time spent in the decoder, not time spent waiting for audio.
    """

    text: str
    confidence: float
    words: list[WordTiming] = field(default_factory=list)
    processing_time_ms: float = 0.0
    audio_duration_ms: float = 0.0
    posterior: float = 0.0

    @property
    def real_time_factor(self) -> float:
        """Processing time over audio time: below 1.0 means faster than real time."""
        return self.processing_time_ms / self.audio_duration_ms if self.audio_duration_ms > 0 else 0.0


def _import_pocketsphinx() -> Any:
    try:
        import pocketsphinx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "SphinxRecognizer needs the 'pocketsphinx' package (>=5.0): pip install 'pocketsphinx>=5.0'"
        ) from exc
    return pocketsphinx


def _normalize_phrase(phrase: str) -> str:
    """Lower-case (the dictionary is lower-case) and drop sentence punctuation around words."""
    if not isinstance(phrase, str):
        raise GrammarError(f"phrase {phrase!r}: must be a string")
    words = [word.strip(_EDGE_PUNCTUATION) for word in phrase.lower().split()]
    words = [word for word in words if word]
    if not words:
        raise GrammarError(f"phrase {phrase!r}: has no words")
    text = " ".join(words)
    bad = _JSGF_SPECIAL.search(text)
    if bad is not None:
        raise GrammarError(f"phrase {phrase!r}: character {bad.group()!r} is not allowed in a phrase")
    return text


def phrases_to_jsgf(phrases: Iterable[str], name: str = "phrases") -> str:
    """A JSGF grammar that accepts exactly one of the phrases (normalised, duplicates removed)."""
    if isinstance(phrases, str):
        raise GrammarError("phrases must be a list of strings, not one string")
    unique = list(dict.fromkeys(_normalize_phrase(phrase) for phrase in phrases))
    if not unique:
        raise GrammarError("phrases: the list is empty")
    return f"#JSGF V1.0;\ngrammar {name};\npublic <phrase> = {' | '.join(unique)};\n"


def _as_mono_int16(samples: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The samples as a 1-D int16 array; (frames, 1) arrays, as sounddevice delivers them, are accepted."""
    if not isinstance(samples, np.ndarray):
        raise AudioFormatError("samples", type(samples).__name__, "must be a numpy array of int16 samples")
    if samples.dtype != np.int16:
        raise AudioFormatError("samples", f"ndarray(dtype={samples.dtype})", "must be int16 PCM")
    if samples.ndim == 2 and samples.shape[1] == 1:
        samples = samples[:, 0]
    if samples.ndim != 1:
        raise AudioFormatError(
            "samples", f"ndarray(shape={samples.shape})", "must be mono: 1-D or (frames, 1)"
        )
    return samples


def _clamp01(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


class SphinxRecognizer:
    """PocketSphinx behind a small streaming API: ``start()``, ``feed()``..., ``finish()``.

    Pass ``grammar`` (JSGF text) or ``phrases`` (a list of sentences) for grammar mode; pass neither
    for open dictation with the default en-us language model. The decoder takes 0.1-0.5 s to load,
    so it is created on first use (or by :meth:`load`) and reused for every later utterance. One
    recognizer decodes one utterance at a time; calls are serialised with a lock, so sharing it
    between threads is safe but a second ``start()`` before ``finish()`` is refused.

    Two input treatments make results reproducible and robust, both measured on eSpeak NG prompts:

    * ``dither``: white noise of this standard deviation (in int16 steps; 3 is about -80 dBFS) is
      added before decoding. Synthetic or digitally silent audio has empty spectral bands whose log
      energies lie far outside what the model was trained on: on eSpeak prompts that start without
      a pause, grammar mode got 18 of 30 right without it and 30 of 30 with it. Real microphones
      are noisier than this already, so it changes nothing there.
      The noise generator restarts at every utterance, so the same audio gives the same result.
    * ``adapt_across_utterances=False``: the noise estimate and cepstral mean go back to their
      initial values at each ``start()``. PocketSphinx otherwise carries them over from earlier
      utterances, which made the result depend on what was decoded before (25 of 30 right in a
      shuffled order, against 30 of 30). Set it to True for a long session on one microphone,
      where carrying the estimates over may help.
    """

    def __init__(
        self,
        *,
        sample_rate: int = SAMPLE_RATE,
        grammar: str | None = None,
        phrases: Iterable[str] | None = None,
        toprule: str | None = None,
        pronunciations: Mapping[str, str] | None = None,
        dither: float = 3.0,
        adapt_across_utterances: bool = False,
    ) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate != SAMPLE_RATE:
            raise AudioFormatError(
                "sample_rate",
                sample_rate,
                f"the pocketsphinx en-us model needs {SAMPLE_RATE} Hz mono int16 audio",
            )
        if grammar is not None and phrases is not None:
            raise GrammarError("pass either grammar (JSGF text) or phrases (a list), not both")
        if grammar is not None and (not isinstance(grammar, str) or not grammar.strip()):
            raise GrammarError(f"grammar {grammar!r}: must be non-empty JSGF text")
        self._phrases: tuple[str, ...] = ()
        if phrases is not None:
            self._phrases = tuple(dict.fromkeys(_normalize_phrase(phrase) for phrase in _listed(phrases)))
            if not self._phrases:
                raise GrammarError("phrases: the list is empty")
            grammar = phrases_to_jsgf(self._phrases)
        if isinstance(dither, bool) or not isinstance(dither, int | float) or not 0.0 <= dither < 1000.0:
            raise ValueError(f"dither={dither!r}: must be a number of int16 steps in [0, 1000)")
        self._grammar = grammar
        self._toprule = toprule
        self._dither = float(dither)
        self._adapt = bool(adapt_across_utterances)
        self._rng = np.random.default_rng(_DITHER_SEED)
        self._pronunciations = {word.lower(): phones for word, phones in (pronunciations or {}).items()}
        self._ps = _import_pocketsphinx()  # fail here, with a clear message, rather than on first audio
        self._lock = threading.Lock()
        self._decoder: Any = None
        self._fsg: Any = None
        self._frame_ms = 10.0
        self._in_utterance = False
        self._samples_fed = 0
        self._processing_s = 0.0
        self._last_partial = ""
        self._last_guess: str | None = None

    # ------------------------------------------------------------------------------------ properties

    @property
    def sample_rate(self) -> int:
        return SAMPLE_RATE

    @property
    def mode(self) -> Literal["dictation", "grammar"]:
        return "dictation" if self._grammar is None else "grammar"

    @property
    def grammar(self) -> str | None:
        """The JSGF text in use (built from ``phrases`` when those were given)."""
        return self._grammar

    @property
    def phrases(self) -> tuple[str, ...]:
        """The normalised phrases (lower-case, no punctuation), empty unless built from phrases."""
        return self._phrases

    @property
    def is_loaded(self) -> bool:
        return self._decoder is not None

    @property
    def in_utterance(self) -> bool:
        return self._in_utterance

    @property
    def last_guess(self) -> str | None:
        """What the decoder made of the last utterance it could not recognise: its best path outside the
        grammar, else its last partial transcript (None after a recognised utterance, or silence)."""
        return self._last_guess

    # ------------------------------------------------------------------------------------ lifecycle

    def load(self) -> None:
        """Create the decoder now (idempotent); grammar and dictionary errors surface here."""
        with self._lock:
            self._ensure_decoder()

    def start(self) -> None:
        """Begin an utterance."""
        with self._lock:
            self._start_locked()

    def feed(self, samples: np.ndarray[Any, Any]) -> PartialResult | None:
        """Decode a chunk; returns the new partial transcript when the best guess changed, else None."""
        pcm = _as_mono_int16(samples)
        with self._lock:
            if not self._in_utterance:
                raise RuntimeError("feed() called outside an utterance: call start() first")
            if pcm.size == 0:
                return None
            begin = time.perf_counter()
            self._process(pcm)
            hyp = self._decoder.hyp()
            self._processing_s += time.perf_counter() - begin
            text = hyp.hypstr.strip() if hyp is not None else ""
            if not text or text == self._last_partial:
                return None
            self._last_partial = text
            return PartialResult(text, self._audio_ms(), self._processing_s * 1000.0)

    def finish(self) -> FinalResult | None:
        """End the utterance; returns the final transcript, or None when nothing was recognised."""
        with self._lock:
            if not self._in_utterance:
                raise RuntimeError("finish() called outside an utterance: call start() first")
            return self._finish_locked()

    def cancel(self) -> None:
        """Abandon the current utterance (if any) without a result, so that ``start()`` may be called."""
        with self._lock:
            if self._in_utterance:
                self._in_utterance = False
                self._decoder.end_utt()

    def recognize(self, samples: np.ndarray[Any, Any]) -> FinalResult | None:
        """Decode a whole utterance at once; None when nothing was recognised.

        Gives the same result as feeding the samples in chunks of any size. pocketsphinx's
        ``full_utt=True`` (cepstral mean over the whole utterance) is not used: on eSpeak prompts it
        got 4 of 5 right where the running estimate got 5 of 5.
        """
        pcm = _as_mono_int16(samples)
        with self._lock:
            self._start_locked()
            begin = time.perf_counter()
            try:
                self._process(pcm)
            except BaseException:
                self._in_utterance = False
                self._decoder.end_utt()
                raise
            self._processing_s += time.perf_counter() - begin
            return self._finish_locked()

    # ------------------------------------------------------------------------------------ internals

    def _process(self, pcm: np.ndarray[Any, Any]) -> None:
        if pcm.size == 0:
            return
        if self._dither > 0.0:
            noisy = pcm + self._rng.normal(0.0, self._dither, pcm.size)
            pcm = np.clip(np.rint(noisy), -32768, 32767).astype(np.int16)
        self._decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=False)
        self._samples_fed += int(pcm.size)

    def _audio_ms(self) -> float:
        return self._samples_fed * 1000.0 / SAMPLE_RATE

    def _start_locked(self) -> None:
        if self._in_utterance:
            raise RuntimeError("an utterance is already in progress: call finish() or cancel() first")
        self._ensure_decoder()  # the one-off model load is not counted as per-utterance processing time
        if not self._adapt:
            # New feature extraction: noise estimate and cepstral mean back to the model's initial
            # values (0.04 ms). start_stream() + set_cmn() would do the same but the former is deprecated.
            self._decoder.reinit_feat()
        self._rng = np.random.default_rng(_DITHER_SEED)
        self._decoder.start_utt()
        self._in_utterance = True
        self._samples_fed = 0
        self._processing_s = 0.0
        self._last_partial = ""
        self._last_guess = None

    def _finish_locked(self) -> FinalResult | None:
        begin = time.perf_counter()
        self._in_utterance = False
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        # A grammar search that never reached a final state reports its best partial path ("what" for
        # "what time is it"): that is no sentence of the grammar, so nothing was recognised.
        if not text or (self._fsg is not None and not self._fsg.accept(text)):
            self._processing_s += time.perf_counter() - begin
            self._last_guess = text or self._last_partial or None
            return None
        self._last_guess = None
        posterior = _clamp01(float(hyp.prob))
        words: list[WordTiming] = []
        for segment in self._decoder.seg():
            if _FILLER.match(segment.word):
                continue
            words.append(
                WordTiming(
                    word=_ALTERNATE_PRONUNCIATION.sub("", segment.word),
                    start_ms=segment.start_frame * self._frame_ms,
                    end_ms=(segment.end_frame + 1) * self._frame_ms,  # end_frame is inclusive
                    confidence=_clamp01(float(segment.prob)),
                )
            )
        confidence = math.prod(word["confidence"] for word in words) if words else posterior
        self._processing_s += time.perf_counter() - begin
        return FinalResult(
            text=text,
            confidence=_clamp01(confidence),
            words=words,
            processing_time_ms=self._processing_s * 1000.0,
            audio_duration_ms=self._audio_ms(),
            posterior=posterior,
        )

    def _ensure_decoder(self) -> None:
        if self._decoder is not None:
            return
        options: dict[str, Any] = {"samprate": SAMPLE_RATE, "logfn": os.devnull}
        if self._grammar is not None:
            options["keyphrase"] = _BOOTSTRAP_KEYPHRASE
        try:
            decoder = self._ps.Decoder(**options)
        except (RuntimeError, ValueError) as exc:  # pragma: no cover - a broken pocketsphinx install
            raise RuntimeError(
                f"pocketsphinx could not load its model from {self._ps.get_model_path()}"
            ) from exc
        for word, phones in self._pronunciations.items():
            try:
                decoder.add_word(word, phones, True)
            except RuntimeError as exc:
                raise GrammarError(f"pronunciations[{word!r}]={phones!r}: pocketsphinx refused it") from exc
        if self._grammar is not None:
            self._install_grammar(decoder, self._grammar)
        self._frame_ms = 1000.0 / float(decoder.config["frate"])
        self._decoder = decoder

    def _install_grammar(self, decoder: Any, grammar: str) -> None:
        try:
            fsg = decoder.parse_jsgf(grammar.encode("utf-8"), self._toprule)
        except (ValueError, RuntimeError) as exc:
            raise GrammarError(f"grammar is not valid JSGF ({exc}): {grammar[:200]!r}") from exc
        for word in _fsg_words(fsg):
            if decoder.lookup_word(word) is None:
                raise UnknownWordError(
                    word,
                    self._phrase_with(word),
                    lower_case_known=(word != word.lower() and decoder.lookup_word(word.lower()) is not None),
                )
        decoder.add_fsg(_GRAMMAR_SEARCH, fsg)
        decoder.activate_search(_GRAMMAR_SEARCH)
        self._fsg = decoder.get_fsg(_GRAMMAR_SEARCH)

    def _phrase_with(self, word: str) -> str | None:
        return next((phrase for phrase in self._phrases if word in phrase.split()), None)


def _listed(phrases: Iterable[str]) -> list[str]:
    if isinstance(phrases, str):
        raise GrammarError("phrases must be a list of strings, not one string")
    return list(phrases)


def _fsg_words(fsg: Any) -> list[str]:
    """The vocabulary of a grammar. FsgModel has no word iterator, but it can write its symbol table."""
    with tempfile.TemporaryDirectory(prefix="sphinx-fsg-") as folder:
        path = Path(folder) / "words.sym"
        fsg.writefile_symtab(str(path))
        lines = path.read_text(encoding="utf-8").splitlines()
    words = (line.rsplit(None, 1)[0] for line in lines if line.strip())
    return [word for word in words if not _FILLER.match(word)]
