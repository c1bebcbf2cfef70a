"""PortAudio through ``sounddevice``, imported only when a device is used.

Importing this module never needs PortAudio, so a machine without a sound card or without
``libportaudio2`` still runs the pipeline on files; every failure becomes
:class:`AudioDeviceUnavailable` with a reason a user can act on. Also the two helpers PortAudio's
threads use to wake the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

__all__ = [
    "PORTAUDIO_HINT",
    "AudioDeviceUnavailable",
    "Device",
    "load_sounddevice",
    "open_stream",
    "portaudio_status",
    "wake",
    "wake_threadsafe",
]

PORTAUDIO_HINT: Final = "PortAudio not found (install Debian libportaudio2)"
"""The start of every reason given when the PortAudio library itself cannot be loaded."""

Device = int | str | None


class AudioDeviceUnavailable(RuntimeError):
    """PortAudio or the requested device cannot be used; ``reason`` says why in words a user can act on."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


_import_failure: str | None = None


def load_sounddevice() -> Any:
    """The ``sounddevice`` module, imported on first use so that a machine without PortAudio can import us.

    ``import sounddevice`` raises OSError("PortAudio library not found") when libportaudio2 is missing; the
    failure is remembered, since every retry would run ``ldconfig`` again.
    """
    global _import_failure
    if _import_failure is not None:
        raise AudioDeviceUnavailable(_import_failure)
    try:
        import sounddevice
    except OSError as exc:  # "PortAudio library not found", or a libportaudio that fails to load
        _import_failure = PORTAUDIO_HINT if "not found" in str(exc) else f"{PORTAUDIO_HINT}: {exc}"
        raise AudioDeviceUnavailable(_import_failure) from None
    except ImportError as exc:
        _import_failure = f"the sounddevice package cannot be imported ({exc}); pip install sounddevice"
        raise AudioDeviceUnavailable(_import_failure) from None
    return sounddevice


def portaudio_status() -> tuple[bool, str]:
    """(library usable?, reason or version and default devices), for the CLI to print.

    True means PortAudio loaded; the text then says which devices it sees, including "no input device"
    on a headless machine, where :func:`open_source` and :func:`open_sink` will fall back.
    """
    try:
        sd = load_sounddevice()
    except AudioDeviceUnavailable as exc:
        return False, exc.reason
    try:
        version = str(sd.get_portaudio_version()[1])
        count = len(sd.query_devices())
        default_in, default_out = sd.default.device
        return True, (
            f"{version}; {count} device{'s' if count != 1 else ''}; "
            f"default input: {_device_label(sd, default_in, 'input')}; "
            f"default output: {_device_label(sd, default_out, 'output')}"
        )
    except Exception as exc:  # a broken ALSA setup can fail in PortAudio itself: report, never crash the CLI
        return False, f"PortAudio loaded but unusable: {exc}"


def _device_label(sd: Any, index: int, kind: str) -> str:
    if index is None or index < 0:
        return f"none (no {kind} device)"
    info = sd.query_devices(index)
    return f"{info['name']} (#{index})"


def open_stream(kind: str, device: Device, factory: Any, **settings: Any) -> Any:
    """Open a PortAudio stream, turning its errors into AudioDeviceUnavailable with a readable reason."""
    sd = load_sounddevice()
    try:
        return factory(device=device, **settings)
    except ValueError as exc:  # sounddevice: "No input device matching 'x'", or an invalid setting
        raise AudioDeviceUnavailable(f"{kind} device {device!r}: {exc}") from None
    except sd.PortAudioError as exc:
        if device is None and sd.default.device[0 if kind == "input" else 1] < 0:
            raise AudioDeviceUnavailable(f"no default {kind} device (PortAudio sees no sound card)") from None
        raise AudioDeviceUnavailable(f"{kind} device {device!r} cannot be opened: {exc}") from None


def wake(future: asyncio.Future[None]) -> None:
    """Resolve ``future`` unless it is already done (a reader may have given up)."""
    if not future.done():
        future.set_result(None)


def wake_threadsafe(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Resolve a future from a non-loop thread; a closed loop means nobody is waiting any more."""
    try:
        loop.call_soon_threadsafe(wake, future)
    except RuntimeError:
        pass
