"""Built-in VAD plugins: energy (numpy RMS) and WebRTC's GMM detector, on the VAD base class."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from plugins_core.audio import PcmData
from plugins_core.builtin.vad_engines import EnergyClassifier, WebRTCClassifier
from plugins_core.vad import VAD

__all__ = ["EnergyVAD", "WebRTCVAD"]


def _version(distribution: str) -> str | None:
    """The installed version of what does the work, for the events' ``plugin_version``."""
    try:
        return version(distribution)
    except PackageNotFoundError:  # running from a checkout that was never installed
        from plugins_core import __version__

        return __version__ if distribution == "plugins-inspector" else None


class EnergyVAD(VAD):
    """Speech where a frame's RMS level rises above a threshold (optionally above an adaptive noise
    floor). Cheap and dependency-free; fine for clean input such as the demo prompts."""

    def __init__(
        self,
        sample_rate: int = 16000,
        *,
        threshold_db: float = -40.0,
        adaptive: bool = False,
        frame_ms: int = 30,
        **kwargs: Any,
    ) -> None:
        self.classifier = EnergyClassifier(threshold_db, sample_rate=sample_rate, adaptive=adaptive)
        kwargs.setdefault("provider_name", "energy-vad")
        kwargs.setdefault("plugin_version", _version("plugins-inspector"))
        super().__init__(sample_rate, frame_size=sample_rate * frame_ms // 1000, **kwargs)

    async def is_speech(self, frame: PcmData) -> float:
        return self.classifier.probability(frame.samples)

    async def reset(self) -> None:
        await super().reset()
        self.classifier.reset()


class WebRTCVAD(VAD):
    """WebRTC's voice detector (PyPI ``webrtcvad-wheels``): robust to steady noise. The probability
    of a frame is the fraction of its 10-30 ms sub-frames judged speech."""

    def __init__(
        self,
        sample_rate: int = 16000,
        *,
        aggressiveness: int = 2,
        frame_ms: int = 30,
        **kwargs: Any,
    ) -> None:
        self.classifier = WebRTCClassifier(aggressiveness, sample_rate=sample_rate)
        kwargs.setdefault("provider_name", "webrtc-vad")
        kwargs.setdefault("plugin_version", _version("webrtcvad-wheels"))
        super().__init__(sample_rate, frame_size=sample_rate * frame_ms // 1000, **kwargs)

    async def is_speech(self, frame: PcmData) -> float:
        return self.classifier.probability(frame.samples)

    async def reset(self) -> None:
        await super().reset()
        self.classifier.reset()
