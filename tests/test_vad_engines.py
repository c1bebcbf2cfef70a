"""EnergyClassifier and WebRTCClassifier on real audio: silence, the shipped speech prompts, noise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.builtin.prompts_dir import prompt_files
from plugins_core.builtin.replies import DEMO_REPLIES
from plugins_core.builtin.vad_engines import EnergyClassifier, WebRTCClassifier, rms_dbfs
from plugins_core.exceptions import AudioFormatError

PROMPTS = Path(__file__).resolve().parent.parent / "plugins_core" / "builtin" / "prompts"
RATE = 16000
FRAME = 480  # 30 ms
# The prompts are padded with 400 ms of silence before the speech and 600 ms after it.
LEAD, TAIL = 6400, 9600


def speech_frames(name: str, size: int = FRAME) -> list[np.ndarray[Any, Any]]:
    samples = PcmData.from_wav(PROMPTS / name).samples[LEAD:-TAIL]
    return [samples[i : i + size] for i in range(0, samples.size - size + 1, size)]


def all_prompts() -> list[str]:
    names = sorted(path.name for path in prompt_files())
    assert len(names) == len(DEMO_REPLIES) == 9
    return names


def tone(level_dbfs: float, samples: int = FRAME, freq: float = 440.0) -> np.ndarray[Any, Any]:
    """A sine whose RMS is ``level_dbfs``."""
    amplitude = 32768.0 * 10 ** (level_dbfs / 20) * 2**0.5
    t = np.arange(samples) / RATE
    return np.round(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def noise(level_dbfs: float, samples: int, seed: int = 0) -> np.ndarray[Any, Any]:
    sigma = 32768.0 * 10 ** (level_dbfs / 20)
    return np.round(np.random.default_rng(seed).normal(0.0, sigma, samples)).astype(np.int16)


# ----------------------------------------------------------------------------------------- energy


def test_rms_dbfs_of_known_signals() -> None:
    assert rms_dbfs(np.zeros(FRAME, dtype=np.int16)) == -100.0
    assert rms_dbfs(tone(-20.0)) == pytest.approx(-20.0, abs=0.05)
    assert rms_dbfs(np.full(FRAME, -32768, dtype=np.int16)) == pytest.approx(0.0)


def test_energy_silence_is_not_speech() -> None:
    classifier = EnergyClassifier()
    assert classifier.probability(np.zeros(FRAME, dtype=np.int16)) < 1e-6
    assert classifier.probability(noise(-70.0, FRAME)) < 0.01


def test_energy_prompt_speech_is_speech() -> None:
    classifier = EnergyClassifier()
    for name in all_prompts():
        probabilities = [classifier.probability(frame) for frame in speech_frames(name)]
        assert np.mean(probabilities) > 0.8, name


def test_energy_probability_is_a_logistic_around_the_threshold() -> None:
    classifier = EnergyClassifier(threshold_db=-30.0, slope_db=2.0)
    assert classifier.probability(tone(-30.0)) == pytest.approx(0.5, abs=0.01)
    assert classifier.probability(tone(-24.0)) == pytest.approx(1 / (1 + np.exp(-3)), abs=0.01)
    levels = [classifier.probability(tone(level)) for level in range(-60, 1, 5)]
    assert levels == sorted(levels)
    assert all(0.0 <= p <= 1.0 for p in levels)


def test_energy_works_at_any_rate_and_frame_size() -> None:
    classifier = EnergyClassifier(sample_rate=44100)
    assert classifier.sample_rate == 44100
    assert classifier.probability(tone(-10.0, samples=1)) >= 0.0
    assert classifier.probability(tone(-10.0, samples=1000).reshape(-1, 1)) > 0.99


def test_adaptive_energy_absorbs_steady_noise_but_still_hears_speech() -> None:
    # A fan at -35 dBFS: a fixed -40 dBFS threshold calls it speech for ever.
    fixed = EnergyClassifier(threshold_db=-40.0)
    adaptive = EnergyClassifier(threshold_db=-40.0, adaptive=True)
    fan = noise(-35.0, RATE * 10, seed=1)
    frames = [fan[i : i + FRAME] for i in range(0, fan.size - FRAME + 1, FRAME)]
    fixed_p = [fixed.probability(frame) for frame in frames]
    adaptive_p = [adaptive.probability(frame) for frame in frames]
    assert np.mean(fixed_p[-30:]) > 0.9
    assert np.mean(adaptive_p[-30:]) < 0.1
    assert adaptive.noise_floor_db == pytest.approx(-35.0, abs=1.0)
    assert adaptive.effective_threshold_db > -40.0
    assert adaptive.probability(tone(-12.0)) > 0.9  # speech well above the fan still counts
    adaptive.reset()
    assert adaptive.effective_threshold_db == -40.0


def test_adaptive_energy_does_not_learn_speech_as_noise() -> None:
    classifier = EnergyClassifier(adaptive=True)
    for name in all_prompts():
        classifier.reset()
        probabilities = [classifier.probability(frame) for frame in speech_frames(name)]
        assert np.mean(probabilities) > 0.8, name


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros(0, dtype=np.int16),
        np.zeros(FRAME, dtype=np.float32),
        np.zeros((FRAME, 2), dtype=np.int16),
        [0] * FRAME,
    ],
)
def test_energy_refuses_frames_it_cannot_read(frame: Any) -> None:
    with pytest.raises(AudioFormatError, match="frame"):
        EnergyClassifier().probability(frame)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"threshold_db": 5.0}, "threshold_db"),
        ({"threshold_db": float("nan")}, "threshold_db"),
        ({"slope_db": 0.0}, "slope_db"),
        ({"sample_rate": 0}, "sample_rate"),
        ({"margin_db": -1.0}, "margin_db"),
    ],
)
def test_energy_refuses_bad_settings(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        EnergyClassifier(**kwargs)


# ----------------------------------------------------------------------------------------- webrtc


def test_webrtc_silence_is_not_speech() -> None:
    classifier = WebRTCClassifier(aggressiveness=3)
    for size in (160, 320, 480, 1600):
        assert classifier.probability(np.zeros(size, dtype=np.int16)) == 0.0


@pytest.mark.parametrize("aggressiveness", [0, 3])
def test_webrtc_prompt_speech_is_speech(aggressiveness: int) -> None:
    for name in all_prompts():
        classifier = WebRTCClassifier(aggressiveness, sample_rate=RATE)
        probabilities = [classifier.probability(frame) for frame in speech_frames(name)]
        assert np.mean(probabilities) > 0.8, name


def test_webrtc_long_frames_give_the_fraction_of_voiced_sub_frames() -> None:
    classifier = WebRTCClassifier(3)
    frames = speech_frames("hello_world.wav", size=1600)  # 100 ms: ten 10 ms or five 20 ms sub-frames
    probabilities = [classifier.probability(frame) for frame in frames]
    assert all(p in {i / 5 for i in range(6)} for p in probabilities)
    assert np.mean(probabilities) > 0.8
    half = np.concatenate([np.zeros(480, dtype=np.int16), speech_frames("goodbye.wav", size=480)[5]])
    classifier.reset()
    assert classifier.probability(half) == 0.5  # 60 ms: two 30 ms sub-frames, silence then speech


def test_webrtc_is_speech_takes_exactly_one_frame() -> None:
    classifier = WebRTCClassifier(sample_rate=8000)
    assert classifier.valid_frame_sizes() == (80, 160, 240)
    assert classifier.is_speech(np.zeros(160, dtype=np.int16)) is False
    with pytest.raises(AudioFormatError, match="frame"):
        classifier.is_speech(np.zeros(480, dtype=np.int16))


@pytest.mark.parametrize("size", [0, 1, 100, 479, 481, 1000])
def test_webrtc_refuses_frames_that_are_not_multiples_of_10ms(size: int) -> None:
    with pytest.raises(AudioFormatError, match="frame") as caught:
        WebRTCClassifier().probability(np.zeros(size, dtype=np.int16))
    assert "160/320/480" in str(caught.value)


def test_webrtc_refuses_other_dtypes_and_channels() -> None:
    classifier = WebRTCClassifier()
    with pytest.raises(AudioFormatError, match="int16"):
        classifier.probability(np.zeros(480, dtype=np.float32))
    with pytest.raises(AudioFormatError, match="mono"):
        classifier.probability(np.zeros((480, 2), dtype=np.int16))


@pytest.mark.parametrize("rate", [22050, 44100, 16000.0, 0, True])
def test_webrtc_refuses_unsupported_sample_rates(rate: Any) -> None:
    with pytest.raises(AudioFormatError, match="sample_rate"):
        WebRTCClassifier(sample_rate=rate)


@pytest.mark.parametrize("aggressiveness", [-1, 4, 2.0, True, "2"])
def test_webrtc_refuses_bad_aggressiveness(aggressiveness: Any) -> None:
    with pytest.raises(ValueError, match="aggressiveness"):
        WebRTCClassifier(aggressiveness)


@pytest.mark.parametrize("rate", [8000, 16000, 32000, 48000])
def test_webrtc_supports_its_four_rates(rate: int) -> None:
    classifier = WebRTCClassifier(sample_rate=rate)
    assert classifier.sample_rate == rate and classifier.aggressiveness == 2
    assert classifier.probability(np.zeros(rate // 100 * 3, dtype=np.int16)) == 0.0
