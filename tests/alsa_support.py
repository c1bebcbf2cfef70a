"""Headless PortAudio for tests: ALSA devices backed by files, so real streams run with no sound card.

How it works
------------
ALSA's ``file`` PCM plugin copies every frame an application plays into a file (``file``) and, on capture,
replaces the frames it reads with bytes from ``infile``; its slave, the ``null`` plugin, takes any format,
rate and channel count and discards everything. PortAudio asks for int16 and gets it unconverted, so the
``raw`` file holds exactly the bytes written to the stream. Three devices are defined (see CONFIG_TEMPLATE):

* ``inspector_speaker``: playback into ``speaker.raw``. The null slave has no clock: writes return at once.
* ``inspector_paced_speaker``: playback into a FIFO that :class:`PacedReader` drains at the audio's real
  rate, so writes block as on a sound card and ``drain`` has something to wait for (the pipe is shrunk to
  4 KiB, which is then the device's extra buffer: 128 ms of 16 kHz mono).
* ``inspector_mic``: capture from the FIFO ``mic.fifo``; the test writes PCM into it and so is the
  microphone's clock (a regular ``infile`` would be read as fast as the CPU allows, then repeat stale data).
  ``default`` plays to the speaker and records from the microphone.

Why in-process and per test
---------------------------
alsa-lib reads ``ALSA_CONFIG_PATH`` at every ``snd_pcm_open`` (it reloads when the file list changes), but
PortAudio builds its device list once, in ``Pa_Initialize``, which ``import sounddevice`` runs. So
:func:`alsa_test_devices` sets the variable and then re-initialises PortAudio with sounddevice's
``_terminate()``/``_initialize()`` (what its maintainer recommends to rescan devices), and undoes both on
exit. That keeps the tests plain functions in the pytest process, with fresh files per test, and leaves
other tests with the machine's own ALSA setup. Only libportaudio2 (with its libasound2) is needed.

Pitfalls, all seen here with PortAudio 19.6 / alsa-lib 1.2.8 (Debian 12)
------------------------------------------------------------------------
* PortAudio aborts the process (an assert in BuildDeviceList) when ALSA offers exactly one PCM: define two.
* PortAudio skips PCMs *named* hw, plughw, plug, dsnoop, tee, file, null, shm, cards, rate_convert.
* Opening a FIFO blocks until the other end is open, and PortAudio opens every device to probe it: the
  FIFOs are held open read-write by this module before PortAudio is (re-)initialised.
* A capture stream blocked reading an empty FIFO cannot be stopped (PortAudio joins its thread): call
  :meth:`AlsaTestDevices.end_microphone` (end of file) before closing a MicrophoneSource; afterwards the
  microphone reads end-of-file as fast as it can and the device cannot be opened again in that test.
* A FIFO read shorter than the plugin asked for leaves stale bytes in its buffer: feed whole chunks.
"""

from __future__ import annotations

import fcntl
import os
import select
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

from plugins_core.builtin.audio_io import AudioDeviceUnavailable, load_sounddevice

__all__ = [
    "CONFIG_TEMPLATE",
    "MICROPHONE",
    "PACED_SPEAKER",
    "SPEAKER",
    "AlsaTestDevices",
    "PacedReader",
    "alsa_test_devices",
    "reinitialize_portaudio",
    "require_portaudio",
    "write_alsa_config",
]

SPEAKER: Final = "inspector_speaker"
PACED_SPEAKER: Final = "inspector_paced_speaker"
MICROPHONE: Final = "inspector_mic"
_PIPE_BYTES: Final = 4096  # the smallest pipe Linux allows: one page

CONFIG_TEMPLATE: Final = """\
# Written by tests/alsa_support.py: file-backed ALSA devices for headless PortAudio tests.
pcm.{speaker} {{
    type file
    slave.pcm {{ type null }}
    file "{speaker_file}"
    format "raw"
}}
pcm.{paced_speaker} {{
    type file
    slave.pcm {{ type null }}
    file "{paced_fifo}"
    format "raw"
}}
pcm.{microphone} {{
    type file
    slave.pcm {{ type null }}
    file "/dev/null"
    infile "{mic_fifo}"
    format "raw"
}}
pcm.!default {{
    type asym
    playback.pcm "{speaker}"
    capture.pcm "{microphone}"
}}
"""


def write_alsa_config(directory: Path) -> Path:
    """Write the ALSA config of the devices above (and their FIFOs) into ``directory``; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    for fifo in (directory / "mic.fifo", directory / "paced.fifo"):
        if not fifo.exists():
            os.mkfifo(fifo)
    config = directory / "asound.conf"
    config.write_text(
        CONFIG_TEMPLATE.format(
            speaker=SPEAKER,
            paced_speaker=PACED_SPEAKER,
            microphone=MICROPHONE,
            speaker_file=directory / "speaker.raw",
            paced_fifo=directory / "paced.fifo",
            mic_fifo=directory / "mic.fifo",
        )
    )
    return config


def require_portaudio() -> Any:
    """The sounddevice module; skips the test where PortAudio is missing, but fails on CI (it must exist)."""
    try:
        return load_sounddevice()
    except AudioDeviceUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PortAudio is required on CI: {exc.reason}")
        pytest.skip(exc.reason)


def reinitialize_portaudio() -> Any:
    """Rebuild PortAudio's device list from the current ALSA configuration; returns sounddevice."""
    imported = "sounddevice" in sys.modules
    sd = require_portaudio()
    if imported:  # a first import has just initialised PortAudio with the current environment already
        while sd._initialized > 0:
            sd._terminate()
        sd._initialize()
    return sd


class PacedReader(threading.Thread):
    """Drains the paced speaker's FIFO at ``bytes_per_second``, like a DAC consuming its buffer."""

    def __init__(self, fd: int, bytes_per_second: int = 32000) -> None:
        super().__init__(name="PacedReader", daemon=True)
        self.fd = fd
        self.bytes_per_second = bytes_per_second
        self.data = bytearray()
        self.first_byte_at: float | None = None
        self.last_byte_at: float | None = None
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()

    def run(self) -> None:
        next_read = time.monotonic()
        block = max(2, self.bytes_per_second // 100)  # 10 ms of audio per read
        while not self._stop_requested.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.02)
            if not ready:
                continue
            chunk = os.read(self.fd, block)
            now = time.monotonic()
            with self._lock:
                self.data.extend(chunk)
                self.first_byte_at = self.first_byte_at or now
                self.last_byte_at = now
            next_read = max(next_read, now) + len(chunk) / self.bytes_per_second
            delay = next_read - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def received(self) -> bytes:
        with self._lock:
            return bytes(self.data)

    def wait_for(self, nbytes: int, timeout: float = 5.0) -> bytes:
        """What was received once ``nbytes`` arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while len(self.data) < nbytes and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.received()

    def wait_until_idle(self, quiet: float = 0.2, timeout: float = 5.0) -> bytes:
        """What was received once nothing arrived for ``quiet`` seconds (the pipe was played out)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.last_byte_at
            if last is not None and time.monotonic() - last >= quiet:
                break
            time.sleep(0.01)
        return self.received()

    def stop(self) -> None:
        self._stop_requested.set()
        self.join(timeout=2.0)


@dataclass
class AlsaTestDevices:
    """The devices of one test, their files, and the test's ends of the FIFOs."""

    directory: Path
    config_path: Path
    mic_fd: int
    paced: PacedReader
    speaker: str = SPEAKER
    paced_speaker: str = PACED_SPEAKER
    microphone: str = MICROPHONE
    _mic_open: bool = field(default=True, repr=False)

    @property
    def speaker_file(self) -> Path:
        return self.directory / "speaker.raw"

    def speaker_bytes(self) -> bytes:
        """What ``inspector_speaker`` received (the file plugin creates it when a stream first writes)."""
        return self.speaker_file.read_bytes() if self.speaker_file.exists() else b""

    def feed_microphone(self, data: bytes) -> None:
        """Queue PCM for the microphone; it blocks once 64 KiB wait unread, so feed a started stream."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.mic_fd, view) :]

    def end_microphone(self) -> None:
        """End of file for the microphone, so that its stream can stop (idempotent)."""
        if self._mic_open:
            self._mic_open = False
            os.close(self.mic_fd)


@contextmanager
def alsa_test_devices(directory: Path) -> Iterator[AlsaTestDevices]:
    """Point ALSA at file-backed devices in ``directory``, and PortAudio at them, for one test."""
    require_portaudio()
    config = write_alsa_config(directory)
    # the FIFOs are held open read-write first: PortAudio's probing opens them, and a lone open would block
    mic_fd = os.open(directory / "mic.fifo", os.O_RDWR)
    paced_fd = os.open(directory / "paced.fifo", os.O_RDWR | os.O_NONBLOCK)
    fcntl.fcntl(paced_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    paced = PacedReader(paced_fd)
    previous = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(config)
    devices = AlsaTestDevices(directory, config, mic_fd, paced)
    try:
        reinitialize_portaudio()
        paced.start()
        yield devices
    finally:
        devices.end_microphone()
        if previous is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = previous
        try:
            reinitialize_portaudio()
        finally:
            if paced.is_alive():
                paced.stop()
            os.close(paced_fd)
