"""Tests of plugins_core.ndjson.NdjsonReader: bad input never loses good input.

Every failure case of issue 7 and 10 (truncated last line, garbage, wrong types, corrupt base64,
unknown event types, invalid UTF-8, a BOM, a wrong format version, huge lines) keeps the valid lines
and reports each rejected one with its line number and field; only a header of a newer format
refuses the whole input.
"""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from plugins_core import (
    MAX_EVENT_BYTES,
    BaseEvent,
    LineError,
    NdjsonReader,
    SerializationError,
    STTTranscriptEvent,
    TTSAudioEvent,
    VADAudioEvent,
)
from plugins_core.serialization import event_to_json, serialize_event, write_ndjson

T0 = datetime(2025, 8, 20, 10, 0, tzinfo=UTC)
HEADER = b'{"format":"plugins_core.events","format_version":2}'


def _events(n: int) -> list[BaseEvent]:
    return [
        STTTranscriptEvent(
            text=f"utterance {i}", confidence=0.5, event_id=f"e-{i}", timestamp=T0 + timedelta(seconds=i)
        )
        for i in range(n)
    ]


def _line(event: BaseEvent) -> bytes:
    return event_to_json(event).encode("utf-8")


def _ndjson(events: list[BaseEvent], header: bool = True) -> bytes:
    lines = ([HEADER] if header else []) + [_line(e) for e in events]
    return b"\n".join(lines) + b"\n"


def _read(data: bytes, **options: Any) -> tuple[list[BaseEvent], NdjsonReader]:
    reader = NdjsonReader(io.BytesIO(data), **options)
    return list(reader), reader


def _mutated(event: BaseEvent, **changes: Any) -> bytes:
    data = json.loads(event_to_json(event))
    data.update(changes)
    return json.dumps(data).encode()


# ------------------------------------------------------------------------------------ good input


def test_reads_what_write_ndjson_wrote() -> None:
    events = _events(50)
    buffer = io.BytesIO()
    write_ndjson(events, buffer)
    read, reader = _read(buffer.getvalue())
    assert read == events
    assert (reader.accepted, reader.rejected, reader.errors) == (50, 0, [])
    assert reader.format_version == 2
    assert reader.lines == 51


def test_a_missing_header_means_each_line_carries_its_own_version() -> None:
    old = json.loads(event_to_json(_events(1)[0]))
    old["format_version"] = 1
    del old["origin"]
    unversioned = json.loads(event_to_json(_events(2)[1]))
    del unversioned["format_version"]
    data = json.dumps(old).encode() + b"\n" + json.dumps(unversioned).encode() + b"\n"
    read, reader = _read(data)
    assert read == _events(2)
    assert reader.format_version is None


def test_upstream_lines_are_read_by_the_reference_path() -> None:
    upstream = {
        "event_type": "vad_audio",
        "event_id": "u-1",
        "timestamp": "2025-08-20 10:00:00.123456+00:00",  # str(datetime), space-separated
        "audio_data": {"size_bytes": 3200, "type": "bytes"},
        "sample_rate": 16000,
    }
    read, reader = _read(json.dumps(upstream).encode() + b"\n")
    assert reader.rejected == 0
    (event,) = read
    assert isinstance(event, VADAudioEvent) and event.audio_evicted and event.audio_data is None


def test_blank_lines_and_crlf_line_ends_are_skipped() -> None:
    lines = [HEADER, b"", _line(_events(1)[0]), b"   \t", _line(_events(2)[1])]
    read, reader = _read(b"\r\n".join(lines) + b"\r\n\r\n")
    assert read == _events(2)
    assert reader.rejected == 0


def test_a_last_line_without_newline_is_read_when_complete() -> None:
    read, reader = _read(_ndjson(_events(3)).rstrip(b"\n"))
    assert read == _events(3) and reader.rejected == 0


def test_a_byte_order_mark_at_the_start_is_accepted() -> None:
    for header in (True, False):
        read, reader = _read(b"\xef\xbb\xbf" + _ndjson(_events(2), header))
        assert read == _events(2) and reader.rejected == 0
        assert reader.format_version == (2 if header else None)


def test_duplicate_event_ids_are_read_twice_the_store_deduplicates() -> None:
    line = _line(_events(1)[0])
    read, _ = _read(line + b"\n" + line + b"\n")
    assert len(read) == 2 and read[0] == read[1]


def test_events_are_yielded_as_lines_arrive() -> None:
    chunks = iter([HEADER + b"\n" + _line(_events(1)[0]) + b"\n"])

    def source() -> Iterator[bytes]:
        yield next(chunks)
        raise AssertionError("read past the first event")  # pragma: no cover - the test fails if reached

    assert next(iter(NdjsonReader(source()))) == _events(1)[0]


# -------------------------------------------------------------------------------- rejected lines


def test_garbage_lines_are_rejected_and_the_rest_kept() -> None:
    events = _events(4)
    lines = [
        HEADER,
        _line(events[0]),
        b"not json at all",
        _line(events[1]),
        b"[1, 2]",
        b"42",
        _line(events[2]),
    ]
    read, reader = _read(b"\n".join(lines) + b"\n" + _line(events[3]) + b"\n")
    assert read == events
    assert [(e.line, e.field) for e in reader.errors] == [(3, ""), (5, ""), (6, "")]
    assert reader.errors[0].reason.startswith("invalid JSON (")
    assert reader.errors[1].reason == "expected an event object, got array"
    assert (reader.accepted, reader.rejected) == (4, 3)


def test_a_truncated_last_line_is_rejected_as_truncated() -> None:
    events = _events(3)
    data = _ndjson(events)[:-25]
    read, reader = _read(data)
    assert read == events[:2]
    (error,) = reader.errors
    assert error.line == 4 and error.field == ""
    assert error.reason.startswith("truncated: the input ends inside this line (invalid JSON (")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"confidence": "high"}, "confidence", "expected a finite number or null, got string"),
        ({"confidence": 7.5}, "confidence", "must be in [0, 1]"),
        ({"text": 5}, "text", "expected a string, got integer"),
        ({"event_id": None}, "event_id", "expected a string, got null"),
        ({"timestamp": "yesterday"}, "timestamp", "not an ISO-8601 time such as"),
        ({"event_type": "stt_shout"}, "event_type", "Unknown event type: stt_shout"),
        ({"speaker": "bob"}, "speaker", "unknown field for STTTranscriptEvent"),
        ({"format_version": 3}, "format_version", "written by a newer format (version 3)"),
        ({"format_version": "2"}, "format_version", "expected a format version from 1 to 2"),
        ({"origin": {"host": "", "pid": 1}}, "origin.host", "must be a non-empty string"),
    ],
)
def test_a_bad_field_is_named_with_its_line(changes: dict[str, Any], field: str, reason: str) -> None:
    events = _events(3)
    data = b"\n".join([HEADER, _line(events[0]), _mutated(events[1], **changes), _line(events[2])])
    read, reader = _read(data)
    assert read == [events[0], events[2]]
    (error,) = reader.errors
    assert (error.line, error.field) == (3, field)
    assert error.reason.startswith(reason)
    assert str(error).startswith(f"line 3.{field}=")


def test_deeply_nested_json_is_rejected_not_a_recursion_error() -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    in_metadata = (
        _mutated(_events(1)[0])[:-1] + b', "user_metadata": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
    )
    read, reader = _read(b"\n".join([nested, in_metadata, _line(_events(2)[1])]) + b"\n")
    assert read == [_events(2)[1]]
    too_deep = "invalid JSON (nested too deeply)"
    assert [(e.line, e.reason) for e in reader.errors] == [(1, too_deep), (2, too_deep)]


def test_corrupt_base64_audio_is_named() -> None:
    good = TTSAudioEvent(audio_data=b"\x01\x00\x02\x00", event_id="a-1", timestamp=T0)
    data = _mutated(good, audio_data="AAE") + b"\n" + _line(good) + b"\n"
    read, reader = _read(data)
    assert read == [good]
    (error,) = reader.errors
    assert (error.line, error.field, error.value) == (1, "audio_data", "'AAE'")
    assert error.reason.startswith("corrupt base64 (")


def test_invalid_utf8_rejects_only_its_line() -> None:
    events = _events(2)
    bad = _line(events[0]).replace(b"utterance 0", b"utter\xff\xfence")
    read, reader = _read(b"\n".join([HEADER, bad, _line(events[1])]) + b"\n")
    assert read == [events[1]]
    (error,) = reader.errors
    assert error.line == 2 and "invalid UTF-8" in error.reason


def test_a_byte_order_mark_inside_is_dropped_too() -> None:
    events = _events(2)  # two exports pasted together, each starting with a BOM
    data = b"\xef\xbb\xbf" + _ndjson(events[:1]) + b"\xef\xbb\xbf" + _ndjson(events[1:])
    read, reader = _read(data)
    assert read == events and reader.rejected == 0


def test_huge_lines_are_rejected_and_reading_goes_on() -> None:
    events = _events(2)
    huge = _mutated(events[0], text="x" * 5000)
    read, reader = _read(b"\n".join([HEADER, huge, _line(events[1])]) + b"\n", max_line_bytes=1000)
    assert read == [events[1]]
    (error,) = reader.errors
    assert error.line == 2 and error.value == f"{len(huge):,} bytes"
    assert "longer than the maximum event size of 1,000 bytes (MAX_EVENT_BYTES)" in error.reason


def test_a_huge_last_line_without_newline_is_rejected() -> None:
    read, reader = _read(_line(_events(1)[0]) + b"\n" + b"y" * 3000, max_line_bytes=1000)
    assert len(read) == 1
    assert [e.line for e in reader.errors] == [2]


def test_a_line_of_exactly_the_maximum_is_read() -> None:
    line = _line(_events(1)[0])
    read, reader = _read(line + b"\n", max_line_bytes=len(line))
    assert len(read) == 1 and reader.rejected == 0
    _, reader = _read(line + b"\n", max_line_bytes=len(line) - 1)
    assert reader.rejected == 1


def test_the_default_maximum_is_8_mib() -> None:
    assert MAX_EVENT_BYTES == NdjsonReader(b"").max_line_bytes == 8 * 2**20


def test_a_huge_line_is_never_held_in_memory() -> None:
    chunk = b"z" * 65536
    line_mib = 64

    def source() -> Iterator[bytes]:
        yield HEADER + b"\n"
        for _ in range(line_mib * 16):
            yield chunk
        yield b"\n" + _line(_events(1)[0]) + b"\n"

    tracemalloc.start()
    try:
        reader = NdjsonReader(source(), max_line_bytes=2**20)
        read = list(reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == _events(1)
    assert [e.line for e in reader.errors] == [2]
    assert reader.errors[0].value == f"{line_mib * 2**20:,} bytes"
    assert peak < 4 * 2**20  # the 64 MiB line streamed past a 1 MiB limit


# ------------------------------------------------------------------------------------ the header


def test_a_header_of_a_newer_format_refuses_the_whole_input() -> None:
    data = b'{"format":"plugins_core.events","format_version":3}\n' + _line(_events(1)[0]) + b"\n"
    reader = NdjsonReader(io.BytesIO(data))
    with pytest.raises(
        SerializationError, match=r"^line 1.format_version=3: written by a newer format"
    ) as info:
        list(reader)
    assert "nothing was read" in str(info.value)
    assert reader.accepted == 0


def test_a_header_after_blank_lines_and_a_bom_still_counts_as_first() -> None:
    data = b"\xef\xbb\xbf\n\n" + b'{"format":"plugins_core.events","format_version":9}\n'
    with pytest.raises(SerializationError, match=r"^line 3.format_version=9"):
        list(NdjsonReader(io.BytesIO(data)))


def test_a_newer_header_in_the_middle_refuses_what_follows_it() -> None:
    events = _events(4)
    newer = b'{"format":"plugins_core.events","format_version":3}'
    lines = [HEADER, _line(events[0]), newer, _line(events[1]), _line(events[2]), HEADER, _line(events[3])]
    read, reader = _read(b"\n".join(lines) + b"\n")
    assert read == [events[0], events[3]]
    assert [(e.line, e.field) for e in reader.errors] == [(3, "format_version"), (4, ""), (5, "")]
    assert reader.errors[1].reason == "follows a header of a newer format (version 3)"


@pytest.mark.parametrize(
    ("header", "field", "reason"),
    [
        (
            b'{"format":"other.events","format_version":1}',
            "format",
            "not a 'plugins_core.events' header line",
        ),
        (b'{"format":"plugins_core.events"}', "format_version", "expected a format version from 1 to 2"),
        (
            b'{"format":"plugins_core.events","format_version":0}',
            "format_version",
            "expected a format version",
        ),
    ],
)
def test_a_bad_header_is_rejected_and_the_lines_read(header: bytes, field: str, reason: str) -> None:
    read, reader = _read(header + b"\n" + _line(_events(1)[0]) + b"\n")
    assert read == _events(1)
    (error,) = reader.errors
    assert (error.line, error.field) == (1, field)
    assert error.reason.startswith(reason)
    assert reader.format_version is None


def test_require_header_refuses_input_without_one() -> None:
    with pytest.raises(SerializationError, match=r"^line 1=.*: not a header line"):
        list(NdjsonReader(io.BytesIO(_ndjson(_events(1), header=False)), require_header=True))
    with pytest.raises(SerializationError, match=r"^line 1=b'': empty input"):
        list(NdjsonReader(io.BytesIO(b"\n\n"), require_header=True))
    with pytest.raises(SerializationError, match=r"^line 1=.*: invalid JSON"):
        list(NdjsonReader(io.BytesIO(b"garbage\n"), require_header=True))
    with pytest.raises(SerializationError, match=r"^line 1.format='x'"):
        list(NdjsonReader(io.BytesIO(b'{"format":"x","format_version":1}\n'), require_header=True))
    read, _ = _read(_ndjson(_events(2)), require_header=True)
    assert read == _events(2)


# -------------------------------------------------------------------------------- limits, report


def test_errors_are_kept_up_to_max_errors_and_all_counted() -> None:
    data = HEADER + b"\n" + b"bad\n" * 30 + _line(_events(1)[0]) + b"\n"
    read, reader = _read(data, max_errors=5)
    assert len(read) == 1
    assert reader.rejected == 30
    assert [e.line for e in reader.errors] == [2, 3, 4, 5, 6]
    summary = reader.summary()
    assert summary["accepted"] == 1 and summary["rejected"] == 30 and summary["errors_not_listed"] == 25
    assert summary["errors"][0] == {
        "line": 2,
        "field": "",
        "value": "'bad'",
        "reason": summary["errors"][0]["reason"],
    }
    json.dumps(summary)  # JSON-ready


def test_reported_values_are_shortened() -> None:
    _, reader = _read(b"x" * 10_000 + b"\n")
    assert len(reader.errors[0].value) <= 80


def test_line_error_forms() -> None:
    error = LineError(12, "confidence", "7.5", "must be in [0, 1]")
    assert error.path == "line 12.confidence"
    assert str(error) == "line 12.confidence=7.5: must be in [0, 1]"
    assert LineError(3, "", "b'x'", "invalid JSON").path == "line 3"
    assert error.to_dict() == {
        "line": 12,
        "field": "confidence",
        "value": "7.5",
        "reason": "must be in [0, 1]",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_line_bytes": 0}, "max_line_bytes=0"),
        ({"max_errors": -1}, "max_errors=-1"),
        ({"max_errors": True}, "max_errors=True"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NdjsonReader(b"", **options)


def test_a_reader_reads_its_source_once() -> None:
    reader = NdjsonReader(io.BytesIO(_ndjson(_events(1))))
    assert len(list(reader)) == 1
    with pytest.raises(RuntimeError):
        iter(reader)


# --------------------------------------------------------------------------------------- sources


def test_chunks_split_anywhere_give_the_same_events() -> None:
    events = _events(5)
    events[2] = STTTranscriptEvent(
        text="grüße 你好 🎙", event_id="e-u", timestamp=T0
    )  # multi-byte characters split too
    data = _ndjson(events)
    for size in (1, 2, 3, 7, 100):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        reader = NdjsonReader(chunks)
        assert list(reader) == events and reader.rejected == 0


def test_feed_and_finish_for_chunks_that_arrive_asynchronously() -> None:
    events = _events(3)
    data = _ndjson(events).rstrip(b"\n")
    reader = NdjsonReader()
    got: list[BaseEvent] = []
    for i in range(0, len(data), 50):
        got += reader.feed(data[i : i + 50])
    assert len(got) == 2  # the last line has no newline yet
    got += reader.finish()
    assert got == events
    assert reader.finish() == []
    with pytest.raises(ValueError, match="finished"):
        reader.feed(b"more")


def test_text_chunks_and_a_whole_body_are_accepted() -> None:
    data = _ndjson(_events(2))
    assert list(NdjsonReader([data.decode()])) == _events(2)
    assert list(NdjsonReader(data)) == _events(2)


def test_a_gzip_stream_is_read_and_a_truncated_one_keeps_what_arrived() -> None:
    events = _events(2000)
    compressed = gzip.compress(_ndjson(events))
    assert list(NdjsonReader(gzip.GzipFile(fileobj=io.BytesIO(compressed)))) == events
    reader = NdjsonReader(gzip.GzipFile(fileobj=io.BytesIO(compressed[: len(compressed) // 2])))
    read = list(reader)
    assert 0 < len(read) < 2000 and read == events[: len(read)]
    assert reader.errors[0].value == "EOFError"
    assert reader.errors[0].reason.startswith("the input could not be read further (")


def test_a_source_without_events_reads_nothing() -> None:
    for data in (b"", b"\n\n", HEADER + b"\n"):
        read, reader = _read(data)
        assert read == [] and reader.rejected == 0


# -------------------------------------------------------------------------- property: never loses

_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_VALID = st.one_of(
    st.builds(
        STTTranscriptEvent,
        text=_TEXT,
        confidence=st.none() | st.floats(0, 1),
        user_metadata=st.none() | st.dictionaries(_TEXT, st.integers() | _TEXT, max_size=2),
    ),
    st.builds(TTSAudioEvent, audio_data=st.binary(max_size=16).map(lambda b: b[: len(b) // 2 * 2])),
)
_BREAKAGES: list[dict[str, Any]] = [
    {"event_id": 5},
    {"timestamp": "yesterday"},
    {"event_type": "nope"},
    {"format_version": 99},
    {"zzz": 1},
    {"session_id": [1]},
    {"plugin_name": {"a": 1}},
]


def _garbage() -> st.SearchStrategy[bytes]:
    random_bytes = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" "))
    truncated = st.tuples(_VALID, st.floats(0, 0.999)).map(
        lambda t: _line(t[0])[: int(len(_line(t[0])) * t[1])]
    )
    broken = st.tuples(_VALID, st.sampled_from(_BREAKAGES)).map(lambda t: _mutated(t[0], **t[1]))
    return st.one_of(random_bytes, truncated, broken)


def _blank(line: bytes) -> bool:
    return not line.removeprefix(b"\xef\xbb\xbf").strip()


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(st.one_of(_VALID.map(lambda e: (True, e)), _garbage().map(lambda g: (False, g))), max_size=12),
    st.booleans(),
    st.booleans(),
    st.integers(1, 200),
)
def test_property_the_reader_keeps_every_valid_line_and_reports_every_other(
    items: list[tuple[bool, Any]], header: bool, final_newline: bool, chunk: int
) -> None:
    lines = ([HEADER] if header else []) + [_line(x) if ok else x for ok, x in items]
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    reader = NdjsonReader([data[i : i + chunk] for i in range(0, len(data), chunk)])
    read = list(reader)  # raises nothing: there is no newer header here
    valid = [x for ok, x in items if ok]
    assert [serialize_event(e) for e in read] == [serialize_event(e) for e in valid]
    offset = 2 if header else 1
    expected = [offset + i for i, (ok, x) in enumerate(items) if not ok and not _blank(x)]
    assert [e.line for e in reader.errors] == expected
    assert (reader.accepted, reader.rejected) == (len(valid), len(expected))


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=300), st.integers(1, 50))
def test_property_arbitrary_bytes_never_raise(data: bytes, chunk: int) -> None:
    reader = NdjsonReader([data[i : i + chunk] for i in range(0, len(data), chunk)])
    try:
        list(reader)
    except SerializationError as exc:  # only a header of a newer format, which random bytes never are
        raise AssertionError(f"unexpected refusal: {exc}") from None
    assert reader.accepted + reader.rejected <= reader.lines
