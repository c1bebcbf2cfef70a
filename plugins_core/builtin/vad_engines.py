"""Voice-activity frame classifiers: each turns one frame of int16 mono audio into P(speech) in [0, 1].

Two engines with different trade-offs: :class:`EnergyClassifier` needs nothing but numpy and works at
any rate and frame size, but only measures loudness (a door slam is "speech"); :class:`WebRTCClassifier`
wraps the WebRTC GMM voice detector, which tells voice from noise much better but accepts only
10/20/30 ms frames at 8/16/32/48 kHz. Both are stateful (noise floor, WebRTC hangover), so feed one
stream's frames in order and call ``reset()`` between streams.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from plugins_core.exceptions import AudioFormatError

__all__ = ["WEBRTC_FRAME_MS", "WEBRTC_SAMPLE_RATES", "EnergyClassifier", "WebRTCClassifier", "rms_dbfs"]

WEBRTC_SAMPLE_RATES = (8000, 16000, 32000, 48000)
WEBRTC_FRAME_MS = (10, 20, 30)
_SILENCE_DBFS = -100.0  # the level reported for digital silence instead of -inf


def rms_dbfs(frame: np.ndarray[Any, Any]) -> float:
    """Root-mean-square level in dB relative to int16 full scale; -100 for digital silence."""
    samples = _as_mono_int16(frame, "frame")
    if samples.size == 0:
        raise AudioFormatError("frame", "ndarray(size=0)", "an empty frame has no level")
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64)))) / 32768.0
    return max(_SILENCE_DBFS, 20.0 * math.log10(rms)) if rms > 0.0 else _SILENCE_DBFS


def _as_mono_int16(frame: np.ndarray[Any, Any], name: str) -> np.ndarray[Any, Any]:
    if not isinstance(frame, np.ndarray):
        raise AudioFormatError(name, type(frame).__name__, "must be a numpy array of int16 samples")
    if frame.dtype != np.int16:
        raise AudioFormatError(name, f"ndarray(dtype={frame.dtype})", "must be int16 PCM")
    if frame.ndim == 2 and frame.shape[1] == 1:
        frame = frame[:, 0]
    if frame.ndim != 1:
        raise AudioFormatError(name, f"ndarray(shape={frame.shape})", "must be mono: 1-D or (frames, 1)")
    return frame


def _check_sample_rate(sample_rate: Any) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise AudioFormatError("sample_rate", sample_rate, "must be a positive integer (Hz)")
    return sample_rate


def _check_number(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r}: must be a finite number")
    if low is not None and value < low:
        raise ValueError(f"{name}={value!r}: must be at least {low}")
    if high is not None and value > high:
        raise ValueError(f"{name}={value!r}: must be at most {high}")
    return float(value)


class EnergyClassifier:
    """Loudness-based speech probability: RMS level in dBFS through a logistic curve.

    ``p = 1 / (1 + exp(-(level - threshold) / slope_db))``: 0.5 at the threshold, about 0.95 at
    ``3 * slope_db`` above it. A soft curve rather than a hard cut lets a downstream detector smooth
    probabilities over frames instead of flickering on a level that hovers at the threshold.

    With ``adaptive=True`` the threshold becomes ``max(threshold_db, noise_floor + margin_db)``. A fixed
    threshold suits one microphone and room only: a fan or a hot preamp sits above it and reads as
    endless speech. The floor follows quieter frames down at once but rises only ``floor_rise_db_per_s``
    (time-based, whatever the frame size), so steady noise is absorbed within seconds while a sentence,
    whose pauses pull the floor back down, barely moves it. It starts at ``threshold_db - margin_db``:
    until noise proves otherwise the configured threshold applies, and it is never lowered.
    """

    def __init__(
        self,
        threshold_db: float = -40.0,
        *,
        sample_rate: int = 16000,
        slope_db: float = 2.0,
        adaptive: bool = False,
        margin_db: float = 12.0,
        floor_rise_db_per_s: float = 2.0,
    ) -> None:
        self._sample_rate = _check_sample_rate(sample_rate)
        self._threshold_db = _check_number("threshold_db", threshold_db, _SILENCE_DBFS, 0.0)
        self._slope_db = _check_number("slope_db", slope_db, 0.01, None)
        self._adaptive = bool(adaptive)
        self._margin_db = _check_number("margin_db", margin_db, 0.0, None)
        self._floor_rise_db_per_s = _check_number("floor_rise_db_per_s", floor_rise_db_per_s, 0.0, None)
        self._noise_floor_db = self._threshold_db - self._margin_db

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def threshold_db(self) -> float:
        return self._threshold_db

    @property
    def slope_db(self) -> float:
        return self._slope_db

    @property
    def adaptive(self) -> bool:
        return self._adaptive

    @property
    def margin_db(self) -> float:
        return self._margin_db

    @property
    def noise_floor_db(self) -> float:
        """The tracked noise level in dBFS (moves in adaptive mode only)."""
        return self._noise_floor_db

    @property
    def effective_threshold_db(self) -> float:
        """The level that gives probability 0.5 for the next frame."""
        if not self._adaptive:
            return self._threshold_db
        return max(self._threshold_db, self._noise_floor_db + self._margin_db)

    def reset(self) -> None:
        """Forget the noise floor (a new stream or microphone)."""
        self._noise_floor_db = self._threshold_db - self._margin_db

    def probability(self, frame: np.ndarray[Any, Any]) -> float:
        """P(speech) of one frame of int16 mono samples (any length above zero)."""
        samples = _as_mono_int16(frame, "frame")
        level = rms_dbfs(samples)
        threshold = self.effective_threshold_db
        if self._adaptive:
            self._track_floor(level, samples.size / self._sample_rate)
        z = (level - threshold) / self._slope_db
        if z >= 0.0:  # the two forms of the logistic keep exp() from overflowing on either side
            return 1.0 / (1.0 + math.exp(-z))
        return math.exp(z) / (1.0 + math.exp(z))

    def _track_floor(self, level: float, seconds: float) -> None:
        floor = self._noise_floor_db
        if level <= floor:
            self._noise_floor_db = level
        else:
            self._noise_floor_db = min(level, floor + self._floor_rise_db_per_s * seconds)


def _import_webrtcvad() -> Any:
    try:
        import webrtcvad
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "WebRTCClassifier needs the 'webrtcvad' module: pip install webrtcvad-wheels"
        ) from exc
    return webrtcvad


class WebRTCClassifier:
    """The WebRTC voice detector as a probability: the fraction of 10/20/30 ms sub-frames judged speech.

    WebRTC answers yes/no per 10, 20 or 30 ms frame. A longer frame (any multiple of 10 ms) is cut into
    equal sub-frames of the longest fitting size, so 0.5 means half of it was voiced. ``aggressiveness``
    0..3 trades missed speech for fewer false alarms (3 rejects the most noise).
    """

    def __init__(self, aggressiveness: int = 2, *, sample_rate: int = 16000) -> None:
        if (
            isinstance(aggressiveness, bool)
            or not isinstance(aggressiveness, int)
            or not 0 <= aggressiveness <= 3
        ):
            raise ValueError(f"aggressiveness={aggressiveness!r}: must be an integer 0, 1, 2 or 3")
        if (
            isinstance(sample_rate, bool)
            or not isinstance(sample_rate, int)
            or sample_rate not in WEBRTC_SAMPLE_RATES
        ):
            raise AudioFormatError(
                "sample_rate",
                sample_rate,
                f"WebRTC VAD supports {', '.join(map(str, WEBRTC_SAMPLE_RATES))} Hz",
            )
        self._aggressiveness = aggressiveness
        self._sample_rate = int(sample_rate)
        self._webrtcvad = _import_webrtcvad()
        self._vad: Any = self._webrtcvad.Vad(aggressiveness)
        self._samples_per_ms = self._sample_rate // 1000

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def aggressiveness(self) -> int:
        return self._aggressiveness

    def valid_frame_sizes(self) -> tuple[int, ...]:
        """Frame lengths in samples that WebRTC takes in one call (10, 20 and 30 ms)."""
        return tuple(ms * self._samples_per_ms for ms in WEBRTC_FRAME_MS)

    def reset(self) -> None:
        """A fresh detector: WebRTC keeps a hangover and noise statistics from earlier frames."""
        self._vad = self._webrtcvad.Vad(self._aggressiveness)

    def is_speech(self, frame: np.ndarray[Any, Any]) -> bool:
        """WebRTC's own verdict for exactly one 10, 20 or 30 ms frame."""
        samples = _as_mono_int16(frame, "frame")
        if samples.size not in self.valid_frame_sizes():
            raise AudioFormatError("frame", f"{samples.size} samples", self._size_rule())
        return bool(self._vad.is_speech(samples.tobytes(), self._sample_rate))

    def probability(self, frame: np.ndarray[Any, Any]) -> float:
        """P(speech) of a frame whose length is a positive multiple of 10 ms."""
        samples = _as_mono_int16(frame, "frame")
        ten_ms = 10 * self._samples_per_ms
        if samples.size == 0 or samples.size % ten_ms:
            raise AudioFormatError("frame", f"{samples.size} samples", self._size_rule())
        step = next(size for size in reversed(self.valid_frame_sizes()) if samples.size % size == 0)
        data = samples.tobytes()
        width = 2 * step
        voiced = sum(
            bool(self._vad.is_speech(data[i : i + width], self._sample_rate))
            for i in range(0, len(data), width)
        )
        return voiced / (len(data) // width)

    def _size_rule(self) -> str:
        sizes = "/".join(str(size) for size in self.valid_frame_sizes())
        return (
            f"at {self._sample_rate} Hz WebRTC VAD needs {sizes} samples (10/20/30 ms) "
            f"or a multiple of {10 * self._samples_per_ms} samples (10 ms)"
        )
