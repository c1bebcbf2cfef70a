"""Lossless JSON and NDJSON forms of events, and strict reading back.

Upstream wrote audio as a size placeholder, exceptions as bare ``Exception`` and enums as plain
strings, so a saved session could not be replayed. Here every field of every event class round-trips
exactly: audio as base64, enums by value, times as ISO-8601 with a UTC offset, exceptions with their
type, origins as objects. Reading is strict: bad input raises
:class:`~plugins_core.exceptions.SerializationError` naming the field path (``events[3].confidence``,
``line 12.audio_data``) rather than building a half-valid event.

JSON text is written and read by msgspec (:mod:`plugins_core.codec`); what it cannot handle exactly
goes through the reference path in :mod:`plugins_core.json_fields`, which also words every error.
:class:`plugins_core.ndjson.NdjsonReader` is the tolerant reader that keeps the good lines of bad input.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO, TextIO

from plugins_core.codec import NO_AUDIO, decode_json, decode_json_array, encode_json, encode_json_many
from plugins_core.events import BaseEvent, Origin
from plugins_core.exceptions import SerializationError
from plugins_core.json_fields import (
    FORMAT_VERSION,
    NDJSON_FORMAT,
    RestoredError,
    class_fields,
    decode_mapping,
    encode_origin,
    event_dict,
    json_text_checked,
    json_type,
    loads_checked,
)

__all__ = [
    "FORMAT_VERSION",
    "NDJSON_FORMAT",
    "EventSerializer",
    "RestoredError",
    "decode_event",
    "deserialize_event",
    "deserialize_events",
    "encode_event",
    "event_from_json",
    "event_to_json",
    "read_ndjson",
    "serialize_event",
    "serialize_events",
    "write_ndjson",
]

_HEADER = f'{{"format":"{NDJSON_FORMAT}","format_version":{FORMAT_VERSION}}}\n'
_BATCH = 1000  # events per write() of write_ndjson: few calls, bounded memory


# ----------------------------------------------------------------------------------------- encoding


def serialize_event(event: BaseEvent, *, include_audio: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of every field, lossless. Dict and list fields are shared, not copied.

    With ``include_audio=False`` the ``audio_data`` key is left out (no base64 work), for views that
    describe audio rather than carry it.
    """
    return event_dict(event, include_audio)


def _json_bytes(
    event: BaseEvent, where: str, include_audio: bool = True, origin: Origin | None = None
) -> bytes:
    """One event's compact JSON: msgspec's, or the reference text naming the field it cannot write."""
    data = encode_json(event, include_audio, origin, where or "event")
    return data if data is not None else _reference_bytes(event, where, include_audio, origin)


def _reference_bytes(event: BaseEvent, where: str, include_audio: bool, origin: Origin | None) -> bytes:
    fields = class_fields(event, where or "event").to_dict(event, include_audio)
    if origin is not None and event.origin is None:
        fields["origin"] = encode_origin(origin)
    text = json_text_checked(fields, event, where)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in some text field
        raise SerializationError(
            where or "event", event.event_id, f"cannot be written as UTF-8 ({exc})"
        ) from None


def _json_lines(events: Sequence[BaseEvent], offset: int = 0) -> list[bytes]:
    """Each event's JSON; the path of a bad one is ``events[i]`` (counted from ``offset``)."""
    try:
        parts = [encode_json(event) for event in events]
    except SerializationError:  # not an event: say which one
        parts = [encode_json(e, True, None, f"events[{offset + i}]") for i, e in enumerate(events)]
    return [
        data if data is not None else _reference_bytes(events[i], f"events[{offset + i}]", True, None)
        for i, data in enumerate(parts)
    ]


def _all_json(events: Sequence[BaseEvent], lines: bool, offset: int = 0) -> bytes:
    """Events as a JSON array or NDJSON lines: in one msgspec call, else one by one (naming a bad one)."""
    try:
        data = encode_json_many(events, lines)
    except SerializationError:  # not an event: _json_lines says which one
        data = None
    if data is not None:
        return data
    parts = _json_lines(events, offset)
    if lines:
        parts.append(b"")  # so that the last line ends with a newline too
        return b"\n".join(parts)
    return b"[" + b",".join(parts) + b"]"


def serialize_events(events: Iterable[BaseEvent]) -> str:
    """A compact JSON array of events."""
    items = events if isinstance(events, (list, tuple)) else list(events)
    return _all_json(items, lines=False).decode("utf-8")


def event_to_json(event: BaseEvent) -> str:
    """One event as compact JSON text."""
    return _json_bytes(event, "").decode("utf-8")


def encode_event(event: BaseEvent, *, include_audio: bool = True, origin: Origin | None = None) -> bytes:
    """One event as compact UTF-8 JSON, for stores and forwarders.

    ``include_audio=False`` leaves ``audio_data`` out (a store keeps audio apart, once per content);
    ``origin`` is written when the event has none of its own (events made here carry None), without
    changing the event.
    """
    return _json_bytes(event, "", include_audio, origin)


# ----------------------------------------------------------------------------------------- decoding


def _bytes_of(data: str | bytes | bytearray | memoryview) -> bytes | str:
    return bytes(data) if isinstance(data, (bytearray, memoryview)) else data


def decode_event(data: str | bytes | bytearray | memoryview, *, audio_data: bytes | None = None) -> BaseEvent:
    """The event that :func:`encode_event` wrote; ``audio_data`` puts back audio kept apart."""
    raw = _bytes_of(data)
    event = decode_json(raw, NO_AUDIO if audio_data is None else audio_data)
    if event is not None:
        return event
    parsed = loads_checked(raw, "event")
    if audio_data is not None and isinstance(parsed, dict):
        parsed["audio_data"] = audio_data
    return decode_mapping(parsed, "")


def deserialize_event(data: Mapping[str, Any]) -> BaseEvent:
    """The event a dict describes; also reads upstream's dicts (space-separated times, no version)
    and raw ``bytes`` audio."""
    return decode_mapping(data, "")


def deserialize_events(
    text_or_list: str | bytes | bytearray | Iterable[Mapping[str, Any]],
) -> list[BaseEvent]:
    """Events from a JSON array text or a list of dicts; errors name the index: ``events[3].text``."""
    items: Any = text_or_list
    if isinstance(items, (str, bytes, bytearray)):
        events = decode_json_array(_bytes_of(items))
        if events is not None:
            return events
        items = loads_checked(items, "events")
    if isinstance(items, Mapping) or not isinstance(items, Iterable):
        raise SerializationError(
            "events", items, f"expected an array of event objects, got {json_type(items)}"
        )
    return [decode_mapping(data, f"events[{i}].") for i, data in enumerate(items)]


def event_from_json(text: str | bytes | bytearray) -> BaseEvent:
    """One event from JSON object text."""
    raw = _bytes_of(text)
    event = decode_json(raw)
    return event if event is not None else decode_mapping(loads_checked(raw, "event"), "")


def decode_line(line: bytes | str, where: str) -> BaseEvent:
    """One NDJSON line's event; errors name ``where`` (``line 12``) and the field."""
    event = decode_json(line)
    return event if event is not None else decode_mapping(loads_checked(line, where), where + ".")


# ------------------------------------------------------------------------------------------- NDJSON


def write_ndjson(events: Iterable[BaseEvent], fp: TextIO | BinaryIO) -> int:
    """Stream events as NDJSON after a header line; returns the number of events written.

    One line per event lets a reader stream a long recording and name the line of a bad event.
    ``fp`` may be a text or a binary stream (a file opened ``"wb"``, a gzip stream).
    """
    binary = isinstance(fp, (io.RawIOBase, io.BufferedIOBase)) or (
        not isinstance(fp, io.TextIOBase) and "b" in getattr(fp, "mode", "")
    )
    write: Any = fp.write
    if binary:
        write(_HEADER.encode("ascii"))
    else:
        write(_HEADER)
    count = 0
    batch: list[BaseEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) >= _BATCH:
            data = _all_json(batch, True, count)
            write(data if binary else data.decode("utf-8"))
            count += len(batch)
            batch = []
    if batch:
        data = _all_json(batch, True, count)
        write(data if binary else data.decode("utf-8"))
        count += len(batch)
    return count


def read_ndjson(fp: TextIO) -> Iterator[BaseEvent]:
    """Check the header now, then yield events one line at a time; errors name the line (``line 12.text``).

    All or nothing: the first bad line raises. :class:`plugins_core.ndjson.NdjsonReader` keeps the
    good lines of bad input instead and reports the others.
    """
    header_line = fp.readline().removeprefix("\ufeff")
    if not header_line.strip():
        raise SerializationError(
            "line 1", header_line, f"empty input; expected a {NDJSON_FORMAT!r} header line"
        )
    header = loads_checked(header_line, "line 1")
    if not isinstance(header, dict) or header.get("format") != NDJSON_FORMAT:
        raise SerializationError(
            "line 1",
            header,
            f'not a header line; expected {{"format": "{NDJSON_FORMAT}", "format_version": 1}}',
        )
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise SerializationError("line 1.format_version", version, "expected a positive integer")
    if version > FORMAT_VERSION:
        raise SerializationError(
            "line 1.format_version",
            version,
            f"written by a newer format (version {version}); this reader knows version {FORMAT_VERSION}",
        )
    return _iter_ndjson(fp)


def _iter_ndjson(fp: TextIO) -> Iterator[BaseEvent]:
    for number, line in enumerate(fp, start=2):
        if not line.strip():
            continue
        yield decode_line(line, f"line {number}")


class EventSerializer:
    """The module functions as static methods, for code written against upstream's original API."""

    serialize_event = staticmethod(serialize_event)
    serialize_events = staticmethod(serialize_events)
    deserialize_event = staticmethod(deserialize_event)
    deserialize_events = staticmethod(deserialize_events)
    event_to_json = staticmethod(event_to_json)
    event_from_json = staticmethod(event_from_json)
    write_ndjson = staticmethod(write_ndjson)
    read_ndjson = staticmethod(read_ndjson)
