"""Offline text-to-speech with eSpeak NG, driven through ctypes from the ``espeakng-loader`` wheel.

The wheel ships ``libespeak-ng`` and its voice data, so speech works with no network and no system
package. libespeak-ng keeps every bit of synthesis state in globals, hence the shape of this module:

* one :class:`EspeakEngine` per process, created on the first :meth:`EspeakEngine.get` (importing
  this module loads nothing), and one lock that serializes every call into the library;
* audio arrives through the library's synth callback, one buffer (~60 ms) at a time, while the
  synthesis runs; :meth:`EspeakEngine.synthesize_chunks` runs the synthesis in a worker thread and
  hands those buffers to the caller through a bounded queue as soon as they are made.

The library is initialized in ``AUDIO_OUTPUT_SYNCHRONOUS`` mode, which the header describes as
"as RETRIEVAL but doesn't return until synthesis is completed": the callback receives the same
chunks, but in the thread that called ``espeak_Synth`` (our worker). This wheel is built with
``USE_ASYNC``, so ``AUDIO_OUTPUT_RETRIEVAL`` would instead run the callback on libespeak-ng's own
pthread, route every ``espeak_SetParameter``/``espeak_Synth`` through its command FIFO, and need
``espeak_Synchronize``, which polls every 20 ms: measured 20 ms per short utterance against 0.5 ms.
"""

from __future__ import annotations

import ctypes
import os
import queue
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from plugins_core.exceptions import PluginsCoreError

__all__ = ["RATE_MAX", "RATE_MIN", "EspeakEngine", "EspeakUnavailableError", "EspeakVoice"]

# ---------------------------------------------------------------------------- speak_lib.h constants
# espeak_AUDIO_OUTPUT
_AUDIO_OUTPUT_SYNCHRONOUS: Final = 2
# espeak_POSITION_TYPE
_POS_CHARACTER: Final = 1
# espeak_Synth flags
_CHARS_UTF8: Final = 1
_SSML: Final = 0x10
# espeak_Initialize options: without DONT_EXIT a missing data directory makes the library call exit(1),
# which would end the whole Python process without a traceback.
_INITIALIZE_DONT_EXIT: Final = 0x8000
# espeak_PARAMETER
_PARAM_RATE: Final = 1
_PARAM_VOLUME: Final = 2
_PARAM_PITCH: Final = 3
# espeak_ERROR
_EE_OK: Final = 0
_EE_NOT_FOUND: Final = 2

RATE_MIN: Final = 80  # espeakRATE_MINIMUM, words per minute
RATE_MAX: Final = 450  # espeakRATE_MAXIMUM

# ------------------------------------------------------------------------------------------ tuning
_BUFFER_MS: Final = 60
"""Length of the buffers the callback receives (the library's default); each is one streamed chunk."""
_QUEUE_CHUNKS: Final = 64
"""Chunks (~3.8 s of audio) buffered for a slow consumer before synthesis waits for it."""
_CONSUMER_TIMEOUT_S: Final = 30.0
"""A consumer that takes no chunk for this long is presumed gone: its synthesis stops, freeing the engine."""
_POLL_S: Final = 0.05
_JOIN_TIMEOUT_S: Final = 5.0
_DATA_FILES: Final = ("phontab", "phonindex", "phondata", "intonations")

_Int16Array = npt.NDArray[np.int16]


class EspeakUnavailableError(PluginsCoreError, RuntimeError):
    """libespeak-ng or its voice data cannot be loaded here; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EspeakVoice:
    """A voice from the data directory; ``identifier`` and each of ``languages`` select it."""

    name: str
    identifier: str
    languages: tuple[str, ...]


# ------------------------------------------------------------------------------ ctypes structures


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _EspeakEvent(ctypes.Structure):
    """``espeak_EVENT``: 40 bytes on LP64 (user_data is 8-aligned at offset 24, then the 8-byte union)."""

    _fields_ = [
        ("type", ctypes.c_int),  # espeak_EVENT_TYPE (a C enum: int-sized)
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]
    type: int
    text_position: int
    audio_position: int


class _EspeakVoiceStruct(ctypes.Structure):
    """``espeak_VOICE``; ``languages`` is a list of (priority byte, NUL-terminated name), so a raw pointer."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]
    name: bytes | None
    languages: int | None
    identifier: bytes | None


# int SynthCallback(short *wav, int numsamples, espeak_EVENT *events)
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_EspeakEvent)
)


class _Library:
    """libespeak-ng with argtypes/restypes declared, so that ctypes converts (and checks) every argument."""

    def __init__(self, path: str) -> None:
        if not Path(path).is_file():
            raise EspeakUnavailableError(f"libespeak-ng not found at {path}")
        try:
            dll = ctypes.CDLL(path)
        except OSError as exc:
            raise EspeakUnavailableError(f"cannot load libespeak-ng from {path}: {exc}") from exc
        try:
            self.initialize = dll.espeak_Initialize
            self.set_synth_callback = dll.espeak_SetSynthCallback
            self.set_voice_by_name = dll.espeak_SetVoiceByName
            self.set_parameter = dll.espeak_SetParameter
            self.synth = dll.espeak_Synth
            self.list_voices = dll.espeak_ListVoices
            self.info = dll.espeak_Info
        except AttributeError as exc:
            raise EspeakUnavailableError(f"{path} is not a usable libespeak-ng: {exc}") from exc
        self.path = path
        self.initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.initialize.restype = ctypes.c_int
        self.set_synth_callback.argtypes = [_SynthCallback]
        self.set_synth_callback.restype = None
        self.set_voice_by_name.argtypes = [ctypes.c_char_p]
        self.set_voice_by_name.restype = ctypes.c_int
        self.set_parameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.set_parameter.restype = ctypes.c_int
        # espeak_Synth(text, size, position, position_type, end_position, flags, unique_identifier, user_data)
        self.synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        self.synth.restype = ctypes.c_int
        self.list_voices.argtypes = [ctypes.POINTER(_EspeakVoiceStruct)]
        self.list_voices.restype = ctypes.POINTER(ctypes.POINTER(_EspeakVoiceStruct))
        self.info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        self.info.restype = ctypes.c_char_p


def _locate() -> tuple[str, str]:
    """Library and data paths from espeakng-loader, imported only now so that importing us stays cheap."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise EspeakUnavailableError(f"the espeakng-loader package is not installed ({exc})") from exc
    library = str(espeakng_loader.get_library_path())
    try:
        data = str(espeakng_loader.get_data_path())
    except RuntimeError as exc:  # it raises RuntimeError when its data directory is missing
        raise EspeakUnavailableError(f"espeakng-loader has no voice data: {exc}") from exc
    return library, data


def _check_data_dir(path: str) -> None:
    """Refuse a data directory the library cannot use: it would fall back to a path fixed at build time."""
    directory = Path(path)
    if not directory.is_dir():
        raise EspeakUnavailableError(f"eSpeak NG data directory not found: {path}")
    missing = [name for name in _DATA_FILES if not (directory / name).exists()]
    if missing:
        raise EspeakUnavailableError(f"eSpeak NG data directory {path} lacks {', '.join(missing)}")


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"text={text!r}: nothing to say (empty or only whitespace)")
    if "\x00" in text:
        raise ValueError(
            "text contains a NUL character: eSpeak reads text as a C string and would stop there"
        )
    return text


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name}={value}: must be between {low} and {high}")
    return value


def _check_voice(voice: object) -> bytes:
    if not isinstance(voice, str):
        raise TypeError(f"voice must be a str, got {type(voice).__name__}")
    if not voice.strip() or "\x00" in voice:
        raise ValueError(f"voice={voice!r}: must be a voice name or language such as 'en-us'")
    return voice.encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Job:
    """One synthesis request, already validated and encoded for the C API."""

    text: bytes
    flags: int
    voice: bytes
    rate: int
    pitch: int
    volume: int


class _Stream:
    """State shared by a streaming generator (consumer) and its worker thread (producer)."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[_Int16Array | None] = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.error: BaseException | None = None

    def offer(self, item: _Int16Array | None) -> bool:
        """Queue an item, waiting while the queue is full; False once the consumer has gone or stalled."""
        deadline = time.monotonic() + _CONSUMER_TIMEOUT_S
        while not self.cancelled.is_set():
            try:
                self.chunks.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                if time.monotonic() > deadline:
                    if self.error is None:
                        self.error = TimeoutError(
                            f"no audio chunk taken for {_CONSUMER_TIMEOUT_S:.0f} s: synthesis stopped"
                        )
                    self.cancelled.set()
        return False


class EspeakEngine:
    """The process-wide eSpeak NG synthesizer; obtain it with :meth:`get`, use it from any thread."""

    _instance: ClassVar[EspeakEngine | None] = None
    _instance_error: ClassVar[EspeakUnavailableError | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()
    _construct_key: ClassVar[object] = object()

    def __init__(self, _key: object = None) -> None:
        if _key is not EspeakEngine._construct_key:
            raise TypeError("libespeak-ng allows one engine per process: use EspeakEngine.get()")
        library_path, data_path = _locate()
        lib = _Library(library_path)
        _check_data_dir(data_path)
        rate = int(
            lib.initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, os.fsencode(data_path), _INITIALIZE_DONT_EXIT
            )
        )
        if rate <= 0:  # with DONT_EXIT a data failure returns 0 (not the documented -1)
            raise EspeakUnavailableError(
                f"espeak_Initialize failed (returned {rate}) with data at {data_path}"
            )
        self._lib = lib
        self._data_path = data_path
        self._sample_rate = rate
        self._lock = threading.Lock()
        self._sink: Callable[[_Int16Array], bool] | None = None
        self._callback_error: BaseException | None = None
        self._voices: tuple[EspeakVoice, ...] | None = None
        status = int(lib.set_voice_by_name(b"en-us"))
        if status != _EE_OK:
            raise EspeakUnavailableError(
                f"eSpeak NG data at {data_path} has no usable 'en-us' voice ({status})"
            )
        # The library keeps only the C pointer: this reference keeps the thunk alive as long as the engine,
        # which lives as long as the process (get() holds it).
        self._callback = _SynthCallback(self._on_audio)
        lib.set_synth_callback(self._callback)

    @classmethod
    def get(cls) -> EspeakEngine:
        """The engine, loading libespeak-ng on first use; a load failure is remembered and raised again."""
        instance = cls._instance
        if instance is not None:
            return instance
        with cls._instance_lock:
            if cls._instance is None:
                if cls._instance_error is not None:
                    raise EspeakUnavailableError(str(cls._instance_error))
                try:
                    cls._instance = cls(cls._construct_key)
                except EspeakUnavailableError as exc:
                    cls._instance_error = exc
                    raise
            return cls._instance

    # ---------------------------------------------------------------------------------- properties

    @property
    def sample_rate(self) -> int:
        """Hz of every chunk, as espeak_Initialize returned it (22050 for the bundled voices)."""
        return self._sample_rate

    @property
    def busy(self) -> bool:
        """True while a synthesis holds the library (other callers wait for it)."""
        return self._lock.locked()

    @property
    def version(self) -> str:
        """libespeak-ng's version string, e.g. ``1.52.0``."""
        raw = self._lib.info(None)
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""

    @property
    def data_path(self) -> str:
        """The espeak-ng-data directory the voices are read from."""
        return self._data_path

    def voices(self) -> tuple[EspeakVoice, ...]:
        """Every voice in the data directory (read once, then cached: the directory does not change)."""
        if self._voices is None:
            with self._lock:
                if self._voices is None:
                    self._voices = self._read_voices()
        return self._voices

    # ----------------------------------------------------------------------------------- synthesis

    def synthesize_chunks(
        self,
        text: str,
        *,
        voice: str = "en-us",
        rate_wpm: int = 165,
        pitch: int = 50,
        volume: int = 100,
        ssml: bool = False,
    ) -> Generator[_Int16Array, None, None]:
        """Stream int16 mono chunks at :attr:`sample_rate` while they are synthesized.

        Arguments are checked now; an unknown ``voice`` raises ValueError when iteration starts.
        Closing the generator early stops the synthesis. Starting another synthesis on this engine
        from inside the loop waits for this one, which waits for the loop: don't.
        """
        job = self._job(text, voice, rate_wpm, pitch, volume, ssml)
        return self._stream(job)

    def synthesize(
        self,
        text: str,
        *,
        voice: str = "en-us",
        rate_wpm: int = 165,
        pitch: int = 50,
        volume: int = 100,
        ssml: bool = False,
    ) -> _Int16Array:
        """The whole utterance as one int16 mono array at :attr:`sample_rate`."""
        job = self._job(text, voice, rate_wpm, pitch, volume, ssml)
        chunks: list[_Int16Array] = []

        def collect(chunk: _Int16Array) -> bool:
            chunks.append(chunk)
            return True

        with self._lock:  # runs in the calling thread: no queue needed when nobody consumes in between
            self._run_locked(job, collect)
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    # ------------------------------------------------------------------------------------ internals

    @staticmethod
    def _job(text: str, voice: str, rate_wpm: int, pitch: int, volume: int, ssml: bool) -> _Job:
        checked = _check_text(text)
        return _Job(
            text=checked.encode("utf-8"),
            flags=_CHARS_UTF8 | (_SSML if ssml else 0),
            voice=_check_voice(voice),
            rate=_check_int("rate_wpm", rate_wpm, RATE_MIN, RATE_MAX),
            pitch=_check_int("pitch", pitch, 0, 100),
            volume=_check_int("volume", volume, 0, 200),
        )

    def _stream(self, job: _Job) -> Generator[_Int16Array, None, None]:
        stream = _Stream()
        worker = threading.Thread(target=self._produce, args=(job, stream), name="espeak-synth", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = stream.chunks.get(timeout=_POLL_S)
                except queue.Empty:
                    if stream.finished.is_set() and stream.chunks.empty():
                        break  # the worker ended without its end marker (stalled or failed to queue it)
                    continue
                if item is None:
                    break
                yield item
            if stream.error is not None:
                raise stream.error
        finally:
            # Normal end, error or early close: the flag makes the callback return 1 (abort) next chunk.
            stream.cancelled.set()
            worker.join(timeout=_JOIN_TIMEOUT_S)

    def _produce(self, job: _Job, stream: _Stream) -> None:
        """Worker thread: take the library, synthesize into the stream's queue, then post the end marker."""
        try:
            while not self._lock.acquire(timeout=_POLL_S):
                if stream.cancelled.is_set():
                    return
            try:
                if not stream.cancelled.is_set():
                    self._run_locked(job, stream.offer)
            finally:
                self._lock.release()
        except BaseException as exc:  # handed to the consumer, which re-raises it
            if stream.error is None:
                stream.error = exc
        finally:
            stream.offer(None)
            stream.finished.set()

    def _run_locked(self, job: _Job, sink: Callable[[_Int16Array], bool]) -> None:
        """One espeak_Synth call; the caller holds ``self._lock``. ``sink`` returning False aborts it."""
        status = int(self._lib.set_voice_by_name(job.voice))
        if status == _EE_NOT_FOUND:
            raise ValueError(
                f"voice={job.voice.decode()!r}: not an eSpeak NG voice; use a language such as 'en-us' "
                "or a name from EspeakEngine.voices()"
            )
        if status != _EE_OK:
            raise RuntimeError(f"espeak_SetVoiceByName({job.voice.decode()!r}) failed with status {status}")
        settings = ((_PARAM_RATE, job.rate), (_PARAM_PITCH, job.pitch), (_PARAM_VOLUME, job.volume))
        for parameter, value in settings:
            status = int(self._lib.set_parameter(parameter, value, 0))
            if status != _EE_OK:
                raise RuntimeError(f"espeak_SetParameter({parameter}, {value}) failed with status {status}")
        self._sink = sink
        self._callback_error = None
        try:
            # size counts the terminating NUL; POS_CHARACTER with position 0 speaks from the start.
            status = int(
                self._lib.synth(job.text, len(job.text) + 1, 0, _POS_CHARACTER, 0, job.flags, None, None)
            )
        finally:
            self._sink = None
        if self._callback_error is not None:
            error, self._callback_error = self._callback_error, None
            raise error
        if status != _EE_OK:
            raise RuntimeError(f"espeak_Synth failed with status {status}")

    def _on_audio(
        self,
        wav: ctypes._Pointer[ctypes.c_short],
        numsamples: int,
        events: ctypes._Pointer[_EspeakEvent],
    ) -> int:
        """The synth callback: 0 continues, 1 aborts. Runs in the thread that called espeak_Synth."""
        sink = self._sink
        if sink is None:
            return 1
        if not wav or numsamples <= 0:
            return 0  # NULL wav marks the end of the data; 0 samples alone does not
        try:
            # astype copies: the library reuses its buffer for the next chunk
            chunk = np.ctypeslib.as_array(wav, shape=(numsamples,)).astype(np.int16)
            return 0 if sink(chunk) else 1
        except (
            BaseException
        ) as exc:  # cannot propagate through C: keep it, abort, re-raise after espeak_Synth
            self._callback_error = exc
            return 1

    def _read_voices(self) -> tuple[EspeakVoice, ...]:
        table = self._lib.list_voices(None)
        voices: list[EspeakVoice] = []
        index = 0
        while table[index]:
            entry = table[index].contents
            voices.append(
                EspeakVoice(
                    name=(entry.name or b"").decode("utf-8", "replace"),
                    identifier=(entry.identifier or b"").decode("utf-8", "replace"),
                    languages=_parse_languages(entry.languages),
                )
            )
            index += 1
        return tuple(voices)


def _parse_languages(address: int | None) -> tuple[str, ...]:
    """Decode ``espeak_VOICE.languages``: (priority byte, NUL-terminated name) pairs ending with a 0 byte."""
    languages: list[str] = []
    while address:
        if ctypes.string_at(address, 1) == b"\x00":
            break
        name = ctypes.string_at(address + 1)
        languages.append(name.decode("utf-8", "replace"))
        address += 1 + len(name) + 1
    return tuple(languages)
