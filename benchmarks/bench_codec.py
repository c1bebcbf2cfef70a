"""Codec and resampling throughput, each against a baseline measured in the same process.

Run: ``python benchmarks/bench_codec.py`` (``--quick`` for 2,000 events instead of 10,000).

Serialization baselines follow upstream's approach: ``json.dumps(indent=2, default=str)`` over a
``to_dict`` walk with the audio replaced by its size (so upstream writes less than we do), and, for
reading, ``json.loads`` then rebuilding each event the way upstream's ``deserialize_event`` did.
Resampling baselines are the implementations this project used before soxr (an FFT per buffer, a
windowed-sinc stream resampler), kept here verbatim so that the ratio is measured in the same run,
and plain linear interpolation (``numpy.interp``), the naive approach.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugins_core import (
    AudioFormat,
    BaseEvent,
    Origin,
    PcmData,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADPartialEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
    create_event,
)
from plugins_core.resample import StreamResampler
from plugins_core.serialization import (
    decode_event,
    deserialize_events,
    encode_event,
    read_ndjson,
    serialize_events,
    write_ndjson,
)

try:  # the tolerant reader; absent before it was written (the "before" figures)
    from plugins_core.ndjson import NdjsonReader
except ImportError:  # pragma: no cover - only when measuring the code before the reader existed
    NdjsonReader = None  # type: ignore[assignment,misc]

Row = tuple[str, str, str, str]


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best wall time in seconds of ``repeat`` runs (the least disturbed by the shared machine)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:,.1f}x" if ours > 0 else "inf"


def rate(n: int, seconds: float, megabytes: float) -> str:
    return f"{n / seconds:,.0f} ev/s, {megabytes / seconds:,.0f} MB/s"


# ----------------------------------------------------------------------------------------- events


def transcripts(n: int) -> list[BaseEvent]:
    return [
        STTTranscriptEvent(
            text=f"transcript number {i}",
            confidence=0.9,
            session_id="s",
            plugin_name="stt",
            user_metadata={"user": "u1", "turn": i},
            words=[{"word": "transcript", "start_ms": 0}],
        )
        for i in range(n)
    ]


def audio_chunks(n: int) -> list[BaseEvent]:
    return [
        TTSAudioEvent(audio_data=bytes(640), session_id="s", plugin_name="tts", chunk_index=i)
        for i in range(n)
    ]


def pipeline_mix(n: int, seed: int = 7) -> list[BaseEvent]:
    """The event mix of a voice pipeline's turns (VAD, STT partials and finals, TTS chunks)."""
    rng = random.Random(seed)
    audio = bytes(640)
    out: list[BaseEvent] = []
    while len(out) < n:
        ident: dict[str, Any] = {"session_id": f"session-{rng.randrange(20)}"}
        out.append(VADSpeechStartEvent(**ident, plugin_name="vad", speech_probability=0.9))
        out += [VADPartialEvent(**ident, plugin_name="vad", duration_ms=100.0 * i) for i in range(4)]
        out.append(VADAudioEvent(**ident, plugin_name="vad", audio_data=audio, duration_ms=900.0))
        out.append(VADSpeechEndEvent(**ident, plugin_name="vad", total_speech_duration_ms=900.0))
        out += [
            STTPartialTranscriptEvent(**ident, plugin_name="stt", text="turn on", confidence=rng.random())
            for _ in range(4)
        ]
        out.append(
            STTTranscriptEvent(**ident, plugin_name="stt", text="turn on the lights", confidence=rng.random())
        )
        if rng.random() < 0.05:
            out.append(STTErrorEvent(**ident, plugin_name="stt", error=TimeoutError("slow")))
        out.append(TTSSynthesisStartEvent(**ident, plugin_name="tts", text="okay"))
        out += [
            TTSAudioEvent(**ident, plugin_name="tts", audio_data=audio, chunk_index=i, is_final_chunk=i == 7)
            for i in range(8)
        ]
        out.append(TTSSynthesisCompleteEvent(**ident, plugin_name="tts", synthesis_time_ms=120.0))
    return out[:n]


# ------------------------------------------------------------------------ upstream's approach


def upstream_dict(event: BaseEvent) -> dict[str, Any]:
    """Upstream's serialize_event: to_dict with str() times, error and audio replaced."""
    data: dict[str, Any] = {}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = str(value)
        data[name] = value
    error = getattr(event, "error", None)
    if error:
        data["error"] = {"type": type(error).__name__, "message": str(error), "args": error.args}
    audio = getattr(event, "audio_data", None)
    if audio:
        data["audio_data"] = {"size_bytes": len(audio), "type": "bytes"}
    return data


def upstream_serialize_events(events: Iterable[BaseEvent]) -> str:
    return json.dumps([upstream_dict(e) for e in events], indent=2, default=str)


def upstream_deserialize_event(data: dict[str, Any]) -> BaseEvent:
    """Upstream's deserialize_event: pop the type, parse the time, Exception(message), drop audio."""
    data = dict(data)
    event_type = data.pop("event_type")
    if isinstance(data.get("timestamp"), str):
        data["timestamp"] = datetime.fromisoformat(data["timestamp"])
    if isinstance(data.get("error"), dict):
        data["error"] = Exception(data["error"]["message"])
    if isinstance(data.get("audio_data"), dict):
        data.pop("audio_data")
    data.pop("origin", None)  # upstream had no origin
    return create_event(event_type, **data)


def upstream_deserialize_events(text: str) -> list[BaseEvent]:
    return [upstream_deserialize_event(d) for d in json.loads(text)]


def upstream_write_lines(events: Iterable[BaseEvent], fp: io.StringIO) -> None:
    for event in events:
        fp.write(json.dumps(upstream_dict(event), default=str) + "\n")


def upstream_read_lines(fp: io.StringIO) -> list[BaseEvent]:
    return [upstream_deserialize_event(json.loads(line)) for line in fp if line.strip()]


# ------------------------------------------------------------------------------ serialization


def bench_arrays(n: int) -> list[Row]:
    rows: list[Row] = []
    for label, events in (("transcripts", transcripts(n)), ("tts_audio 640 B", audio_chunks(n))):
        note = "" if label == "transcripts" else " (upstream drops the audio)"
        text = serialize_events(events)
        megabytes = len(text.encode()) / 1e6
        t_ours = best_of(functools.partial(serialize_events, events))
        t_up = best_of(functools.partial(upstream_serialize_events, events))
        rows.append(
            (f"serialize_events {label}", f"{n:,} ev, {megabytes:.1f} MB", rate(n, t_ours, megabytes),
             ratio(t_up, t_ours) + note)
        )  # fmt: skip
        upstream_text = upstream_serialize_events(events)
        t_ours = best_of(functools.partial(deserialize_events, text))
        t_up = best_of(functools.partial(upstream_deserialize_events, upstream_text))
        rows.append(
            (f"deserialize_events {label}", f"{n:,} ev, {megabytes:.1f} MB", rate(n, t_ours, megabytes),
             ratio(t_up, t_ours) + note)
        )  # fmt: skip
    return rows


def bench_store_codec(n: int) -> list[Row]:
    """encode_event/decode_event as a store uses them: audio kept apart, origin stamped."""
    events = pipeline_mix(n)
    here = Origin("bench-host", 4242, "worker-1")
    bodies = [encode_event(e, include_audio=False, origin=here) for e in events]
    audio = [getattr(e, "audio_data", None) for e in events]
    megabytes = sum(map(len, bodies)) / 1e6

    def encode_all() -> None:
        for event in events:
            encode_event(event, include_audio=False, origin=here)

    def decode_all() -> None:
        for body, data in zip(bodies, audio, strict=True):
            decode_event(body, audio_data=data)

    def upstream_encode() -> None:
        for event in events:
            json.dumps(upstream_dict(event), default=str).encode()

    upstream_bodies = [json.dumps(upstream_dict(e), default=str).encode() for e in events]

    def upstream_decode() -> None:
        for body in upstream_bodies:
            upstream_deserialize_event(json.loads(body))

    t_enc, t_dec = best_of(encode_all), best_of(decode_all)
    t_up_enc, t_up_dec = best_of(upstream_encode), best_of(upstream_decode)
    return [
        ("encode_event (no audio, origin stamped)", f"{n:,} pipeline ev", rate(n, t_enc, megabytes),
         ratio(t_up_enc, t_enc)),
        ("decode_event (audio put back)", f"{n:,} pipeline ev", rate(n, t_dec, megabytes),
         ratio(t_up_dec, t_dec)),
    ]  # fmt: skip


def bench_ndjson(n: int) -> list[Row]:
    events = pipeline_mix(n)
    buffer = io.StringIO()
    write_ndjson(events, buffer)
    text = buffer.getvalue()
    data = text.encode()
    megabytes = len(data) / 1e6

    def write() -> None:
        write_ndjson(events, io.StringIO())

    def upstream_write() -> None:
        upstream_write_lines(events, io.StringIO())

    up_buffer = io.StringIO()
    upstream_write_lines(events, up_buffer)
    up_text = up_buffer.getvalue()

    def strict_read() -> None:
        list(read_ndjson(io.StringIO(text)))

    def upstream_read() -> None:
        upstream_read_lines(io.StringIO(up_text))

    t_write, t_up_write = best_of(write), best_of(upstream_write)
    t_strict, t_up_read = best_of(strict_read), best_of(upstream_read)
    rows: list[Row] = [
        ("write_ndjson pipeline mix", f"{n:,} ev, {megabytes:.1f} MB", rate(n, t_write, megabytes),
         ratio(t_up_write, t_write)),
        ("read_ndjson (strict)", f"{n:,} ev, {megabytes:.1f} MB", rate(n, t_strict, megabytes),
         ratio(t_up_read, t_strict)),
    ]  # fmt: skip
    if NdjsonReader is not None:
        reader_cls = NdjsonReader

        def tolerant_read() -> None:
            list(reader_cls(io.BytesIO(data)))

        lines = data.split(b"\n")
        rng = random.Random(3)
        for i in range(1, len(lines) - 1, 10):  # every tenth event line replaced by garbage
            lines[i] = bytes(rng.randrange(256) for _ in range(40)).replace(b"\n", b" ")
        dirty = b"\n".join(lines)

        def tolerant_dirty() -> None:
            list(reader_cls(io.BytesIO(dirty)))

        t_tol, t_dirty = best_of(tolerant_read), best_of(tolerant_dirty)
        rows.append(
            ("NdjsonReader (tolerant)", f"{n:,} ev, {megabytes:.1f} MB", rate(n, t_tol, megabytes),
             ratio(t_up_read, t_tol))
        )  # fmt: skip
        rows.append(
            ("NdjsonReader, 10% garbage lines", f"{n:,} lines", rate(n, t_dirty, len(dirty) / 1e6),
             ratio(t_up_read, t_dirty))
        )  # fmt: skip
    return rows


# -------------------------------------------------------------------------------- resampling


def fft_resample(samples: np.ndarray[Any, Any], source: int, target: int) -> np.ndarray[Any, Any]:
    """The FFT resampler PcmData.resample used before soxr (float64 in, float64 out)."""
    n_out = max(1, round(len(samples) * target / source))
    spectrum = np.fft.rfft(samples.astype(np.float64), axis=0)
    keep = min(spectrum.shape[0], n_out // 2 + 1)
    resized = np.zeros((n_out // 2 + 1,) + spectrum.shape[1:], dtype=np.complex128)
    resized[:keep] = spectrum[:keep]
    out: np.ndarray[Any, Any] = np.fft.irfft(resized, n=n_out, axis=0) * (n_out / len(samples))
    return out


class SincStreamResampler:
    """The windowed-sinc StreamResampler used before soxr (mono, float64), for comparison."""

    def __init__(self, source_rate: int, target_rate: int, half_width: int = 16) -> None:
        self.half_width = half_width
        self._step = source_rate / target_rate
        self._cutoff = min(1.0, target_rate / source_rate)
        self._taps = np.arange(-half_width + 1, half_width + 1, dtype=np.float64)
        self._buffer = np.zeros(half_width, dtype=np.float64)
        self._offset = -half_width
        self._position = 0.0

    def process(self, samples: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        buffer = np.concatenate([self._buffer, samples.astype(np.float64)])
        limit = self._offset + buffer.shape[0] - 1 - self.half_width
        count = 0 if limit < self._position else math.floor((limit - self._position) / self._step) + 1
        positions = self._position + self._step * np.arange(count, dtype=np.float64)
        base = np.floor(positions)
        index = (base[:, None] + self._taps[None, :]).astype(np.int64) - self._offset
        distance = (positions - base)[:, None] - self._taps[None, :]
        x = distance / self.half_width
        window = np.where(np.abs(x) < 1.0, 0.42 + 0.5 * np.cos(np.pi * x) + 0.08 * np.cos(2 * np.pi * x), 0.0)
        kernel = self._cutoff * np.sinc(self._cutoff * distance) * window
        kernel /= kernel.sum(axis=1, keepdims=True)
        out: np.ndarray[Any, Any] = np.einsum("nt,nt->n", kernel, buffer[index])
        self._position += self._step * count
        keep_from = math.floor(self._position) - self.half_width + 1 - self._offset
        if keep_from > 0:
            buffer = buffer[keep_from:]
            self._offset += keep_from
        self._buffer = buffer
        return out


def linear_resample(samples: np.ndarray[Any, Any], source: int, target: int) -> np.ndarray[Any, Any]:
    """The naive approach: linear interpolation, no anti-aliasing filter."""
    n_out = round(len(samples) * target / source)
    positions = np.arange(n_out) * source / target
    out: np.ndarray[Any, Any] = np.interp(positions, np.arange(len(samples)), samples)
    return out


def tone(freq: float, rate_hz: int, seconds: float) -> np.ndarray[Any, Any]:
    return 0.5 * np.sin(2 * np.pi * freq * np.arange(round(rate_hz * seconds)) / rate_hz)


def level_db(samples: np.ndarray[Any, Any], skip: int) -> float:
    """RMS level of the middle of a signal relative to the 0.5-amplitude test tone, in dB."""
    middle = np.asarray(samples, dtype=np.float64)[skip:-skip]
    rms = float(np.sqrt(np.mean(middle**2)))
    return 20 * math.log10(max(rms, 1e-12) / (0.5 / math.sqrt(2)))


def bench_resampling(seconds: float) -> list[Row]:
    src, dst = 44100, 16000
    speech_band, alias = tone(7000, src, seconds), tone(9000, src, seconds)  # 9 kHz folds to 7 kHz
    skip = dst // 20

    def ours(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return PcmData(x.astype(np.float32), src, AudioFormat.PCM_F32).resample(dst).samples

    rows: list[Row] = []
    for label, fn in (
        ("PcmData.resample (current)", ours),
        ("  before: FFT resampler", functools.partial(fft_resample, source=src, target=dst)),
        ("  naive: linear interpolation", functools.partial(linear_resample, source=src, target=dst)),
    ):
        elapsed = best_of(functools.partial(fn, speech_band))
        passband, folded = level_db(fn(speech_band), skip), level_db(fn(alias), skip)
        quality = f"7 kHz {passband:+.1f} dB, 9 kHz alias {folded:+.0f} dB"
        speed = f"{seconds / elapsed:,.0f}x real time"
        rows.append((f"{label} {src}->{dst}", f"{seconds:.0f} s mono", speed, quality))

    stream_src = 48000
    signal = tone(440, stream_src, seconds) + tone(3000, stream_src, seconds) * 0.5
    chunk = stream_src // 50  # 20 ms
    reference = PcmData(signal.astype(np.float32), stream_src, AudioFormat.PCM_F32)
    one_shot = reference.resample(dst).samples.astype(np.float64)

    def run_stream(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        resampler = StreamResampler(stream_src, dst)
        parts = [
            resampler.process(PcmData(x[i : i + chunk].astype(np.float32), stream_src, AudioFormat.PCM_F32))
            for i in range(0, len(x), chunk)
        ]
        parts.append(resampler.flush())
        return np.concatenate([p.samples for p in parts]).astype(np.float64)

    def run_sinc(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        resampler = SincStreamResampler(stream_src, dst)
        return np.concatenate([resampler.process(x[i : i + chunk]) for i in range(0, len(x), chunk)])

    def run_per_chunk_fft(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        pieces = [fft_resample(x[i : i + chunk], stream_src, dst) for i in range(0, len(x), chunk)]
        return np.concatenate(pieces)

    def held_back_ms(make: Callable[[], Any], feed: Callable[[Any, np.ndarray[Any, Any]], int]) -> str:
        resampler = make()
        lags = []
        produced = 0
        for k, i in enumerate(range(0, len(signal), chunk), start=1):
            produced += feed(resampler, signal[i : i + chunk])
            lags.append(k * chunk * dst / stream_src - produced)
        tail = lags[len(lags) // 2 :]
        return f"held back {statistics.mean(tail) / dst * 1000:.1f} ms mean, {max(tail) / dst * 1000:.1f} max"

    def stream_feed(r: StreamResampler, x: np.ndarray[Any, Any]) -> int:
        return r.process(PcmData(x.astype(np.float32), stream_src, AudioFormat.PCM_F32)).frame_count

    def sinc_feed(r: SincStreamResampler, x: np.ndarray[Any, Any]) -> int:
        return len(r.process(x))

    def edge_error(out: np.ndarray[Any, Any], lag: int = 0) -> str:
        """Largest deviation from the one-shot result, away from both ends (dB below the signal)."""
        n = min(len(out) - lag, len(one_shot)) - skip
        worst = float(np.max(np.abs(out[lag + skip : lag + n] - one_shot[skip:n])))
        return f"max deviation from one-shot {20 * math.log10(max(worst, 1e-12) / 0.75):+.0f} dB"

    def band_text(run: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> str:
        """Level of a 7 kHz tone (passband) and of a 9 kHz tone (must not fold to 7 kHz)."""
        at_7k, at_9k = run(tone(7000, stream_src, 1.0)), run(tone(9000, stream_src, 1.0))
        return f"7 kHz {level_db(at_7k, skip):+.1f} dB, 9 kHz alias {level_db(at_9k, skip):+.0f} dB"

    for label, run, lag_text in (
        ("StreamResampler (current)", run_stream,
         held_back_ms(lambda: StreamResampler(stream_src, dst), stream_feed)),
        ("  before: windowed-sinc stream", run_sinc,
         held_back_ms(lambda: SincStreamResampler(stream_src, dst), sinc_feed)),
        ("  per-chunk FFT (one-shot per chunk)", run_per_chunk_fft, "held back 0 ms"),
    ):  # fmt: skip
        elapsed = best_of(functools.partial(run, signal))
        rows.append(
            (f"{label} {stream_src}->{dst}, 20 ms chunks", f"{seconds:.0f} s mono",
             f"{seconds / elapsed:,.0f}x real time",
             f"{band_text(run)}; {edge_error(run(signal))}; {lag_text}")
        )  # fmt: skip
    return rows


def print_table(rows: list[Row]) -> None:
    header: Row = ("measure", "size", "ours", "vs baseline / quality")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if row is header:
            print(line)
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2,000 events instead of 10,000")
    parser.add_argument("--only", choices=["codec", "resample"], help="run one half only")
    args = parser.parse_args()
    n = 2_000 if args.quick else 10_000
    rows: list[Row] = []
    if args.only != "resample":
        rows += bench_arrays(n)
        rows += bench_store_codec(n)
        rows += bench_ndjson(n)
    if args.only != "codec":
        rows += bench_resampling(2.0 if args.quick else 10.0)
    print_table(rows)


if __name__ == "__main__":
    main()
