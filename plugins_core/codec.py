"""msgspec writers and readers per event class: the fast path of serialization.

Writing: each class gets a msgspec Struct with the dataclass's fields in order plus
``format_version``; one attrgetter call fills it and msgspec writes it in C (a whole export in one
call). Two things msgspec writes differently from the format are handled around it. It writes UTC
times with ``Z`` where the format has ``+00:00``: each such time leaves one ``Z","session_id":`` in
the output, and when counting shows that there is no other, they are all replaced at once (else the
times are written as text first). And it writes NaN as null and bytes or datetimes inside a
free-form dict as text, which would lose information silently, so free-form and float values are
checked first; an event holding anything else is written by the reference path in
:mod:`plugins_core.json_fields`, which writes what json.dumps writes or names the field.

Reading: a tagged union of Structs typed from the annotations (unknown fields refused) reads the
JSON in C, then the event class is built with its own validation. Times are parsed by
``datetime.fromisoformat``, as the reference path parses them. Whatever is refused on the way
(``None`` here) is read again by :func:`plugins_core.json_fields.decode_mapping`, which either
accepts it (upstream's dicts, event types given by name, audio placeholders) or raises the
SerializationError naming the field.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from math import isfinite
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from plugins_core.events import EVENT_CLASS_MAP, BaseEvent, EventType, Origin
from plugins_core.json_fields import (
    FORMAT_VERSION,
    ClassFields,
    class_fields,
    encode_error,
    fields_of,
    iso_utc,
    restore_exception,
)

__all__ = ["NO_AUDIO", "decode_json", "decode_json_array", "encode_json", "encode_json_many"]

#: ``decode_json(..., audio_data=NO_AUDIO)``: keep whatever audio the JSON itself holds.
NO_AUDIO: Any = object()

_TIME_END = b'Z","session_id":'  # msgspec's UTC suffix, where the timestamp is followed by session_id
_TIME_END_FORMAT = b'+00:00","session_id":'
_BASE = [f.name for f in fields(BaseEvent)]
if _BASE[2:4] != ["timestamp", "session_id"] or _BASE[7] != "origin":  # what _struct and the fix-up rely on
    raise RuntimeError(f"BaseEvent fields changed order: {_BASE}; update plugins_core.codec")

# ------------------------------------------------------------------------------------------ writing


class _OriginOut(msgspec.Struct, omit_defaults=True):
    """An Origin as the format writes it: worker and replay_of only when set."""

    host: Any
    pid: Any
    worker: Any = None
    replay_of: Any = None


def _enc_hook(value: Any) -> Any:
    if isinstance(value, BaseException):
        return encode_error(value)
    raise NotImplementedError(f"{type(value).__name__} is not JSON")


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)


_LEAVES = frozenset((str, int, bool, NoneType))


def _plain(values: Any) -> bool:
    """True when msgspec writes every one of ``values`` exactly as json.dumps would and reading it
    gives it back (no NaN, no bytes, dates or sets that msgspec would quietly turn into text)."""
    for value in values:
        kind = type(value)
        if kind in _LEAVES:
            continue
        if kind is float:
            if not isfinite(value):
                return False
        elif kind is dict:
            for key in value:
                if type(key) is not str:
                    return False
            if not _plain(value.values()):
                return False
        elif kind is list or kind is tuple:
            if not _plain(value):
                return False
        else:
            return False
    return True


def _tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]] | None:
    if not names:
        return None
    if len(names) == 1:
        (name,) = names
        return lambda event: (getattr(event, name),)
    getter: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
    return getter


@dataclass(frozen=True, slots=True)
class _Writer:
    struct: type[msgspec.Struct]
    getter: Callable[[Any], tuple[Any, ...]]
    no_audio: type[msgspec.Struct] | None  # the same without audio_data, for audio classes
    no_audio_getter: Callable[[Any], tuple[Any, ...]] | None
    checked: Callable[[Any], tuple[Any, ...]] | None  # free-form and float values, checked first


def _build_writer(spec: ClassFields) -> _Writer:
    def struct_of(names: Sequence[str], suffix: str) -> type[msgspec.Struct]:
        members: list[Any] = [(name, Any) for name in names]
        members.append(("format_version", Any, FORMAT_VERSION))
        return msgspec.defstruct(f"{spec.cls.__name__}{suffix}", members)

    names = spec.names
    without = tuple(n for n in names if n != "audio_data")
    no_audio = without != names
    return _Writer(
        struct=struct_of(names, "Out"),
        getter=operator.attrgetter(*names),  # BaseEvent's fields come first, in order, in every class
        no_audio=struct_of(without, "OutNoAudio") if no_audio else None,
        no_audio_getter=_tuple_getter(without) if no_audio else None,
        checked=_tuple_getter([n for n in names if spec.kinds[n] in ("json", "float")]),
    )


_WRITERS: dict[type[BaseEvent], _Writer] = {}


def _writer_for(event: BaseEvent, where: str) -> _Writer:
    writer = _WRITERS.get(type(event))
    if writer is None:  # refuses what is not an event, naming where it was
        writer = _WRITERS[type(event)] = _build_writer(class_fields(event, where))
    return writer


def _struct(
    event: BaseEvent, include_audio: bool, origin: Origin | None, where: str, text_time: bool = False
) -> tuple[msgspec.Struct, bool] | None:
    """The Struct msgspec writes for an event and whether its time is written with ``Z`` (to be fixed
    up), or None when the event holds a value msgspec would not write as json.dumps does."""
    writer = _WRITERS.get(type(event)) or _writer_for(event, where)
    checked = writer.checked
    if checked is not None:
        try:
            if not _plain(checked(event)):
                return None
        except RecursionError:  # a dict that contains itself: the reference path names it
            return None
    if include_audio or writer.no_audio is None:
        struct, values = writer.struct, writer.getter(event)
    else:
        struct, values = writer.no_audio, writer.no_audio_getter(event)  # type: ignore[misc]
    when = values[2]  # _TIME
    utc = type(when) is datetime and when.tzinfo is UTC and not text_time
    if not utc or values[7] is not None or origin is not None:  # _ORIGIN
        changed = list(values)
        if not utc and isinstance(when, datetime):
            changed[2] = iso_utc(when)
        stamped = values[7] if values[7] is not None else origin
        if isinstance(stamped, Origin):
            changed[7] = _OriginOut(stamped.host, stamped.pid, stamped.worker, stamped.replay_of)
        values = tuple(changed)
    return struct(*values), utc


_UNWRITABLE = (TypeError, ValueError, OverflowError, RecursionError)  # the reference path says why


def encode_json(
    event: BaseEvent, include_audio: bool = True, origin: Origin | None = None, where: str = "event"
) -> bytes | None:
    """An event's JSON as UTF-8, or None when it holds a value only the reference path can write.

    ``origin`` is written when the event has none of its own; the event is never changed.
    """
    found = _struct(event, include_audio, origin, where)
    if found is None:
        return None
    try:
        data = _ENCODER.encode(found[0])
        if not found[1]:
            return data
        if data.count(_TIME_END) == 1:  # the timestamp's, and nothing else: fix it up
            return data.replace(_TIME_END, _TIME_END_FORMAT)
        again = _struct(event, include_audio, origin, where, text_time=True)  # the time as text
        return None if again is None else _ENCODER.encode(again[0])
    except _UNWRITABLE:
        return None


def encode_json_many(events: Iterable[BaseEvent], lines: bool) -> bytes | None:
    """Events as one JSON array, or as NDJSON lines each ending in a newline, in one msgspec call;
    None when one of them needs the reference path (the caller then writes them one by one).

    Each time written with ``Z`` puts one ``Z","session_id":`` in the output; when there is no
    other (the count shows it), all of them are the times and are replaced at once.
    """
    structs: list[msgspec.Struct] = []
    fixable = 0
    for event in events:
        found = _struct(event, True, None, "event")
        if found is None:
            return None
        structs.append(found[0])
        fixable += found[1]
    try:
        data = _ENCODER.encode_lines(structs) if lines else _ENCODER.encode(structs)
    except _UNWRITABLE:
        return None
    if data.count(_TIME_END) != fixable:  # some text holds the same bytes: events one by one
        return None
    return data.replace(_TIME_END, _TIME_END_FORMAT) if fixable else data


# ------------------------------------------------------------------------------------------ reading

_FINITE = Annotated[float, msgspec.Meta(ge=-sys.float_info.max, le=sys.float_info.max)]


class _OriginIn(msgspec.Struct, forbid_unknown_fields=True):
    host: str
    pid: int
    worker: str | None = None
    replay_of: str | None = None


class _ErrorIn(msgspec.Struct, forbid_unknown_fields=True):
    type: Annotated[str, msgspec.Meta(min_length=1)]
    message: str
    module: str | None = None
    args: list[str | int | _FINITE | bool | None] | None = None


def _read_type(hint: Any) -> Any:
    """The msgspec type that accepts exactly what the reference decoder accepts for an annotation."""
    origin = get_origin(hint)
    if origin is Union or origin is UnionType:
        return Union[tuple(_read_type(a) for a in get_args(hint))]  # noqa: UP007 - built at run time
    if hint is float:
        return _FINITE
    if hint is datetime:
        return str  # parsed by datetime.fromisoformat, as the reference path does
    if hint is Origin:
        return _OriginIn
    if isinstance(hint, type) and issubclass(hint, BaseException):
        return _ErrorIn
    if hint in (str, int, bool, bytes, NoneType, Any) or origin in (dict, list):
        return hint
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    raise TypeError(f"no msgspec type for {hint!r}")


@dataclass(frozen=True, slots=True)
class _Reader:
    cls: type[BaseEvent]
    has_audio: bool
    has_error: bool


_READERS: dict[type[msgspec.Struct], _Reader] = {}


def _build_reader(event_type: EventType, cls: type[BaseEvent]) -> type[msgspec.Struct]:
    spec = fields_of(cls)
    members: list[Any] = []
    for f in fields(cls):
        if not f.init:
            continue
        kind = _read_type(spec.hints[f.name])
        if f.name in ("event_id", "timestamp"):  # required in the format, whatever the class defaults
            members.append((f.name, kind))
        elif f.default is not MISSING:
            members.append((f.name, kind, f.default))
        else:
            members.append((f.name, kind, msgspec.field(default_factory=f.default_factory)))  # type: ignore[arg-type]
    members.append(("format_version", int | None, None))
    struct = msgspec.defstruct(
        f"{cls.__name__}In",
        members,
        kw_only=True,
        forbid_unknown_fields=True,
        tag_field="event_type",
        tag=event_type.value,
    )
    _READERS[struct] = _Reader(cls, spec.has_audio, spec.kinds.get("error") == "error")
    return struct


_ANY_EVENT: Any = Union[tuple(_build_reader(t, c) for t, c in EVENT_CLASS_MAP.items())]  # noqa: UP007
_DECODE_ONE = msgspec.json.Decoder(_ANY_EVENT).decode
_DECODE_MANY = msgspec.json.Decoder(list[_ANY_EVENT]).decode
_AS_DICT = msgspec.structs.asdict
_REFUSED = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    ValueError,
    TypeError,
    OverflowError,
    RecursionError,
)


def _build(struct: Any, audio_data: Any) -> BaseEvent:
    reader = _READERS[type(struct)]
    values = _AS_DICT(struct)
    version = values.pop("format_version")
    if version is not None and not 1 <= version <= FORMAT_VERSION:
        raise ValueError("format_version")
    values["timestamp"] = datetime.fromisoformat(values["timestamp"])  # made UTC by the event class
    origin = values["origin"]
    if origin is not None:
        values["origin"] = Origin(origin.host, origin.pid, origin.worker, origin.replay_of)
    if reader.has_error and values["error"] is not None:
        error = values["error"]
        values["error"] = restore_exception(error.type, error.module, error.message, error.args)
    if audio_data is not NO_AUDIO:
        if not reader.has_audio:
            raise TypeError("audio_data")
        values["audio_data"] = audio_data
    return reader.cls(**values)


def decode_json(data: bytes | str, audio_data: Any = NO_AUDIO) -> BaseEvent | None:
    """The event one JSON object describes, or None when the reference path must read it.

    ``audio_data`` (raw bytes or None) replaces the JSON's audio, for stores that keep it apart.
    """
    try:
        return _build(_DECODE_ONE(data), audio_data)
    except _REFUSED:
        return None


def decode_json_array(data: bytes | str) -> list[BaseEvent] | None:
    """The events of a JSON array, or None when the reference path must read it (to name the index)."""
    try:
        return [_build(struct, NO_AUDIO) for struct in _DECODE_MANY(data)]
    except _REFUSED:
        return None
