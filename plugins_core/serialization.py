"""Lossless JSON and NDJSON forms of events, and strict reading back.

Upstream wrote audio as a size placeholder, exceptions as bare ``Exception`` and enums as plain
strings, so a saved session could not be replayed. Here every field of every event class round-trips
exactly: audio as base64, enums by value, times as ISO-8601 with a UTC offset, exceptions with their
type. Reading is strict: bad input raises :class:`~plugins_core.exceptions.SerializationError`
naming the field path (``events[3].confidence``, ``line 12.audio_data``) rather than building a
half-valid event. Per-class encoders and decoders are derived once from the dataclass annotations.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import json.encoder
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Any, TextIO, Union, get_args, get_origin, get_type_hints

from plugins_core.events import EVENT_CLASS_MAP, BaseEvent, EventType, Origin
from plugins_core.exceptions import EventValidationError, SerializationError

__all__ = [
    "FORMAT_VERSION",
    "NDJSON_FORMAT",
    "EventSerializer",
    "RestoredError",
    "deserialize_event",
    "decode_event",
    "deserialize_events",
    "encode_event",
    "event_from_json",
    "event_to_json",
    "read_ndjson",
    "serialize_event",
    "serialize_events",
    "write_ndjson",
]

#: Version of the serialized form; written in every event dict and in the NDJSON header.
#: Version 2 added ``origin``; version 1 input is still read.
FORMAT_VERSION = 2

#: The ``format`` value of the NDJSON header line, so that a stranger's NDJSON file is refused early.
NDJSON_FORMAT = "plugins_core.events"

_Encoder = Callable[[Any], Any]
_Decoder = Callable[[Any], Any]

# Compact output through the C encoder; NaN/Infinity are refused because browsers cannot parse them.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# Python's json reads NaN/Infinity by default; we never write them, so reading one means foreign input.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class RestoredError(Exception):
    """Stands in for an exception whose class is not a built-in and so cannot be rebuilt safely.

    ``str()`` is the original message; ``type_name`` and ``module`` say what the original was, and
    serializing it again writes the original type back, so a second round trip changes nothing.
    """

    def __init__(self, type_name: str, module: str | None, message: str, args: Sequence[Any] = ()) -> None:
        super().__init__(*(args or (message,)))
        self.type_name = type_name
        self.module = module
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        where = f"{self.module}.{self.type_name}" if self.module else self.type_name
        return f"RestoredError({where}: {self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.type_name, self.module, self.message, self.args))


class _Problem(Exception):
    """Internal: a field value was refused; the caller adds the field path."""

    def __init__(self, reason: str, value: Any, sub: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value
        self.sub = sub


def _json_type(value: Any) -> str:
    """The JSON name of a value's type, for error messages read by people who wrote JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# ------------------------------------------------------------------------------------------ encoders


def _encode_enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


_MINUTE_PREFIXES: dict[int, str] = {}
_SECONDS = [f"{s:02d}" for s in range(60)]


def _iso_utc(value: datetime) -> str:
    """``value.isoformat()``, naive read as UTC; for UTC times about twice as fast as isoformat.

    isoformat() is the largest single cost of writing an event, so the "YYYY-MM-DDTHH:MM:" prefix
    is kept per minute (events of one session share minutes) and only seconds are formatted.
    """
    if value.tzinfo is not UTC or type(value) is not datetime:
        if value.tzinfo is None:  # only if mutated after creation: events hold aware UTC times
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    key = value.toordinal() * 1440 + value.hour * 60 + value.minute
    prefix = _MINUTE_PREFIXES.get(key)
    if prefix is None:
        if len(_MINUTE_PREFIXES) >= 4096:
            _MINUTE_PREFIXES.clear()
        prefix = _MINUTE_PREFIXES[key] = value.isoformat()[:17]  # years always have 4 digits
    micro = value.microsecond
    if micro:
        return prefix + _SECONDS[value.second] + "." + str(1_000_000 + micro)[1:] + "+00:00"
    return prefix + _SECONDS[value.second] + "+00:00"


def _encode_datetime(value: Any) -> Any:
    return _iso_utc(value) if isinstance(value, datetime) else value


def _encode_bytes(value: Any) -> Any:
    if value is None:
        return None
    try:
        return base64.b64encode(value).decode("ascii")
    except TypeError:  # not bytes-like (set after creation): written as is, or named as unwritable
        return value


_SCALARS = (str, int, bool, NoneType)


def _is_json_scalar(value: Any) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in _SCALARS


def _encode_error(value: Any) -> Any:
    if value is None or not isinstance(value, BaseException):
        return value
    if isinstance(value, RestoredError):
        type_name, module, message = value.type_name, value.module, value.message
    else:
        cls = type(value)
        type_name, module, message = cls.__name__, cls.__module__, str(value)
    out: dict[str, Any] = {"type": type_name, "module": module, "message": message}
    if all(_is_json_scalar(a) for a in value.args):
        out["args"] = list(value.args)
    return out


def _encode_origin(value: Any) -> Any:
    if not isinstance(value, Origin):
        return value
    out: dict[str, Any] = {"host": value.host, "pid": value.pid}
    if value.worker is not None:
        out["worker"] = value.worker
    if value.replay_of is not None:
        out["replay_of"] = value.replay_of
    return out


# ------------------------------------------------------------------------------------------ decoders


_ORIGIN_KEYS = frozenset({"host", "pid", "worker", "replay_of"})


def _decode_origin(value: Any) -> Any:
    if isinstance(value, Origin):
        return value
    if not isinstance(value, dict):
        raise _Problem(f"expected an origin object or null, got {_json_type(value)}", value)
    unknown = set(value) - _ORIGIN_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise _Problem("unknown origin field", value[key], f".{key}")
    try:
        return Origin(value.get("host"), value.get("pid"), value.get("worker"), value.get("replay_of"))  # type: ignore[arg-type]
    except EventValidationError as exc:
        raise _Problem(exc.reason, exc.value, exc.field.removeprefix("origin")) from None


def _check_str(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if isinstance(value, str):
            return value
        raise _Problem(f"expected {desc}, got {_json_type(value)}", value)

    return decode


def _check_bool(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if type(value) is bool:
            return value
        raise _Problem(f"expected {desc}, got {_json_type(value)}", value)

    return decode


def _check_int(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Problem(f"expected {desc}, got {_json_type(value)}", value)

    return decode


def _check_float(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if type(value) is float:
            if math.isfinite(value):
                return value
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                pass
        else:
            raise _Problem(f"expected {desc}, got {_json_type(value)}", value)
        raise _Problem(f"expected {desc}, got a number out of range", value)

    return decode


def _check_dict(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            return value
        raise _Problem(f"expected {desc}, got {_json_type(value)}", value)

    return decode


def _check_list(desc: str, item: type) -> _Decoder:
    item_name = _json_type(item())

    def decode(value: Any) -> Any:
        if not isinstance(value, list):
            raise _Problem(f"expected {desc}, got {_json_type(value)}", value)
        for i, element in enumerate(value):
            if not isinstance(element, item):
                raise _Problem(f"expected {item_name}, got {_json_type(element)}", element, f"[{i}]")
        return value

    return decode


def _decode_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _Problem("not an ISO-8601 time such as '2025-01-31T09:30:00.000001+00:00'", value) from None
    elif not isinstance(value, datetime):
        raise _Problem(f"expected an ISO-8601 time string, got {_json_type(value)}", value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # naive times are read as UTC, never as local time
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise _Problem("time out of range once converted to UTC", value) from None


def _decode_bytes(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Problem(f"corrupt base64 ({exc})", value) from None
    if isinstance(value, bytes):
        return value
    if _is_upstream_audio_placeholder(value):
        return None  # upstream kept only the size; the audio is gone
    raise _Problem(f"expected a base64 string or null, got {_json_type(value)}", value)


def _is_upstream_audio_placeholder(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "bytes" and set(value) == {"type", "size_bytes"}


def _enum_decoder(enum_cls: type[Enum], desc: str) -> _Decoder:
    by_value: dict[Any, Enum] = {m.value: m for m in enum_cls}
    allowed = ", ".join(repr(v) for v in by_value)
    article = "an" if enum_cls.__name__[0] in "AEIOU" else "a"

    def decode(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value
        if isinstance(value, str):
            found = by_value.get(value)
            if found is not None:
                return found
            raise _Problem(f"not {article} {enum_cls.__name__} value ({allowed})", value)
        raise _Problem(f"expected {desc}, got {_json_type(value)}", value)

    return decode


_ERROR_KEYS = frozenset({"type", "module", "message", "args"})


def _decode_error(value: Any) -> Any:
    if isinstance(value, BaseException):
        return value
    if not isinstance(value, dict):
        raise _Problem(f"expected an error object or null, got {_json_type(value)}", value)
    for key in value:
        if key not in _ERROR_KEYS:
            raise _Problem(
                "unknown key in an error object (known: type, module, message, args)", value[key], f".{key}"
            )
    type_name = value.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise _Problem("expected the exception class name, a non-empty string", type_name, ".type")
    message = value.get("message")
    if not isinstance(message, str):
        raise _Problem(f"expected a string, got {_json_type(message)}", message, ".message")
    module = value.get("module")
    if module is not None and not isinstance(module, str):
        raise _Problem(f"expected a string or null, got {_json_type(module)}", module, ".module")
    args = value.get("args")
    if args is not None:
        if not isinstance(args, list):
            raise _Problem(f"expected an array, got {_json_type(args)}", args, ".args")
        for i, arg in enumerate(args):
            if not _is_json_scalar(arg):
                raise _Problem(f"expected a JSON scalar, got {_json_type(arg)}", arg, f".args[{i}]")
    return _restore_exception(type_name, module, message, args)


def _restore_exception(
    type_name: str, module: str | None, message: str, args: list[Any] | None
) -> BaseException:
    """Built-in exception classes are rebuilt as themselves; any other class gets a RestoredError.

    Only built-ins are rebuilt: importing a module named by the input would run foreign code.
    """
    cls = getattr(builtins, type_name, None) if module in (None, "builtins") else None
    if isinstance(cls, type) and issubclass(cls, BaseException):
        fallback: BaseException | None = None
        for candidate in ([args] if args is not None else []) + [[message]]:
            try:
                exc = cls(*candidate)
            except Exception:  # e.g. UnicodeDecodeError needs five arguments
                continue
            if type(exc) is cls and str(exc) == message:
                return exc
            fallback = fallback or exc
        if fallback is not None:
            return fallback
    return RestoredError(type_name, module, message, args or ())


# ---------------------------------------------------------------------------------- per-class codecs

# Fast JSON text: each class gets a generated function whose keys are compiled in, so per event only
# the values are encoded, mostly by C functions. Its output is byte-identical to
# json.dumps(serialize_event(e), separators=(",", ":"), ensure_ascii=False, allow_nan=False), which it
# replaces because building the dict and encoding the same keys again for every event is what makes
# json.dumps slow. A value it does not expect (a str in an int field, NaN, an object JSON cannot hold)
# makes it give up, and the caller takes that dict path instead, which also names the bad field.


def _refuse_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_iterencode() -> Callable[[Any, int], Sequence[str]]:
    """The C encoder object, to be called directly: JSON text of one value as a list of chunks.

    This skips JSONEncoder.encode's per-call set-up, 3x faster for the small dicts events carry.
    markers=None: no cycle check here; a cycle ends in RecursionError and the dict path reports it.
    """
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return lambda value, _level: (_ENCODER.encode(value),)
    iterencode: Callable[[Any, int], Sequence[str]] = make_encoder(
        None, _refuse_default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return iterencode


_iterencode = _make_iterencode()


def _dump_value(value: Any) -> str:
    return "".join(_iterencode(value, 0))


class _GiveUp(Exception):
    """Internal: the fast JSON path met a value it does not handle."""


def _give_up(value: Any) -> str:
    raise _GiveUp(value)


def _other_number(value: Any) -> str:
    """A float field holding an int or a float subclass (numpy.float64), written as json.dumps would."""
    if type(value) is int:
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    raise _GiveUp(value)


def _b64_json(value: Any) -> str:
    return '"' + binascii.b2a_base64(value, newline=False).decode("ascii") + '"'


_JSON_NAMESPACE: dict[str, Any] = {
    "_eb": json.encoder.encode_basestring,
    "_fr": float.__repr__,
    "_ir": int.__repr__,
    "_INF": math.inf,
    "_Q": '"',
    "_iso": _iso_utc,
    "_give_up": _give_up,
    "_num": _other_number,
    "_b64": _b64_json,
    "_dumpv": _dump_value,
    "_join": "".join,
    "_ienc": _iterencode,
    "_encode_error": _encode_error,
    "_encode_origin": _encode_origin,
}

# Expressions producing the JSON text of a local variable {v}, per kind of field.
_JSON_EXPRS: dict[str, str] = {
    "str": "_eb({v})",
    "bool": '("true" if {v} is True else "false" if {v} is False else _give_up({v}))',
    "int": "(_ir({v}) if type({v}) is int else _give_up({v}))",
    "float": "(_fr({v}) if type({v}) is float and -_INF < {v} < _INF else _num({v}))",
    "datetime": "(_Q + _iso({v}) + _Q)",
    "enum": "_eb({v}._value_)",
    "bytes": "_b64({v})",
    "error": "_dumpv(_encode_error({v}))",
    "origin": "_dumpv(_encode_origin({v}))",
    "json": "_join(_ienc({v}, 0))",
}


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    kind: str
    nullable: bool
    decoder: _Decoder
    encoder: _Encoder | None  # None: the value is written as it is


def _field_spec(hint: Any, where: str) -> _FieldSpec:
    """How one annotated field is checked, decoded and encoded; refuses annotations it cannot honour."""
    nullable = False
    origin = get_origin(hint)
    if origin is Union or origin is UnionType:
        members = [a for a in get_args(hint) if a is not NoneType]
        if len(members) != 1:
            raise TypeError(f"{where}: unsupported annotation {hint!r}")
        nullable, hint, origin = True, members[0], get_origin(members[0])
    tail = " or null" if nullable else ""
    decoder: _Decoder
    encoder: _Encoder | None = None
    if hint is Any:
        return _FieldSpec("json", False, lambda v: v, None)
    if hint is str:
        kind, decoder = "str", _check_str("a string" + tail)
    elif hint is bool:
        kind, decoder = "bool", _check_bool("a boolean" + tail)
    elif hint is int:
        kind, decoder = "int", _check_int("an integer" + tail)
    elif hint is float:
        kind, decoder = "float", _check_float("a finite number" + tail)
    elif hint is datetime:
        kind, decoder, encoder = "datetime", _decode_datetime, _encode_datetime
    elif hint is bytes:
        kind, decoder, encoder = "bytes", _decode_bytes, _encode_bytes
    elif isinstance(hint, type) and issubclass(hint, Enum):
        kind, decoder, encoder = "enum", _enum_decoder(hint, "a string" + tail), _encode_enum
    elif isinstance(hint, type) and issubclass(hint, BaseException):
        kind, decoder, encoder = "error", _decode_error, _encode_error
    elif hint is Origin:
        kind, decoder, encoder = "origin", _decode_origin, _encode_origin
    elif origin is dict or hint is dict:
        kind, decoder = "json", _check_dict("an object" + tail)
    elif origin is list:
        (item,) = get_args(hint)
        item_type = get_origin(item) or item
        if item_type not in (dict, str):
            raise TypeError(f"{where}: unsupported list item annotation {item!r}")
        kind, decoder = "json", _check_list("an array" + tail, item_type)
    else:
        raise TypeError(f"{where}: unsupported annotation {hint!r}")
    if nullable:
        inner = decoder

        def decoder(value: Any) -> Any:
            return None if value is None else inner(value)

    return _FieldSpec(kind, nullable, decoder, encoder)


def _build_to_json(cls: type[BaseEvent], specs: Sequence[tuple[str, _FieldSpec]]) -> Callable[[Any], str]:
    """Generate the fast JSON function of one class, the way dataclasses generates ``__init__``.

    The body loads each slot into a local and returns one f-string whose constant parts (keys,
    braces, quotes) are compiled in; CPython joins the pieces in a single step.
    """
    namespace = dict(_JSON_NAMESPACE)
    loads, pieces = [], []
    for i, (name, spec) in enumerate(specs):
        if not name.isidentifier():  # keeps the generated source well-formed
            raise TypeError(f"{cls.__name__}: field name {name!r} is not an identifier")
        v = f"a{i}"
        loads.append(f"    {v} = event.{name}\n")
        default = next(f.default for f in fields(cls) if f.name == name)
        if name == "event_type" and isinstance(default, EventType):  # fixed per class: skip encoding
            namespace["_ET"], namespace["_ET_JSON"] = default, json.encoder.encode_basestring(default.value)
            pieces.append(f'"{name}":{{_ET_JSON if {v} is _ET else _eb({v}._value_)}}')
        elif spec.kind == "datetime" and not spec.nullable:  # the quotes go in the constant part
            pieces.append(f'"{name}":"{{_iso({v})}}"')
        else:
            expr = _JSON_EXPRS[spec.kind].format(v=v)
            if spec.nullable:
                expr = f'"null" if {v} is None else {expr}'
            pieces.append(f'"{name}":{{{expr}}}')
    body = ",".join(pieces) + f',"format_version":{FORMAT_VERSION}'
    source = "def to_json(event):\n" + "".join(loads) + "    return f'''{{" + body + "}}'''\n"
    exec(compile(source, f"<{cls.__name__} to_json>", "exec"), namespace)
    to_json: Callable[[Any], str] = namespace["to_json"]
    return to_json


@dataclass(frozen=True, slots=True)
class _Codec:
    cls: type[BaseEvent]
    encode: Callable[[BaseEvent, bool], dict[str, Any]]
    to_json: Callable[[BaseEvent], str]
    decoders: dict[str, _Decoder]
    has_audio: bool


def _build_codec(cls: type[BaseEvent]) -> _Codec:
    """Derive a class's encoders and field decoders from its annotations, once."""
    hints = get_type_hints(cls)
    specs = [(f.name, _field_spec(hints[f.name], f"{cls.__name__}.{f.name}")) for f in fields(cls)]
    names = tuple(name for name, _ in specs)
    getter = operator.attrgetter(*names)  # BaseEvent has 7 fields, so this returns a tuple
    specials = tuple((name, spec.encoder) for name, spec in specs if spec.encoder is not None)
    decoders = {
        f.name: spec.decoder
        for f, (_, spec) in zip(fields(cls), specs, strict=True)
        if f.init and f.name != "event_type"
    }

    def encode(event: BaseEvent, include_audio: bool = True) -> dict[str, Any]:
        data = dict(zip(names, getter(event), strict=True))
        if not include_audio:
            data.pop("audio_data", None)
        for name, enc in specials:
            if name in data:
                data[name] = enc(data[name])
        data["format_version"] = FORMAT_VERSION
        return data

    return _Codec(cls, encode, _build_to_json(cls, specs), decoders, "audio_data" in decoders)


_CODECS: dict[type[BaseEvent], _Codec] = {cls: _build_codec(cls) for cls in EVENT_CLASS_MAP.values()}
_TO_JSON: dict[type[BaseEvent], Callable[[BaseEvent], str]] = {cls: c.to_json for cls, c in _CODECS.items()}

_CLASS_BY_TYPE: dict[Any, type[BaseEvent]] = {}
for _event_type, _cls in EVENT_CLASS_MAP.items():
    _CLASS_BY_TYPE[_event_type] = _cls
    _CLASS_BY_TYPE[_event_type.value] = _cls
    _CLASS_BY_TYPE[_event_type.name] = _cls
del _event_type, _cls


def _codec_for(event: Any, where: str) -> _Codec:
    """The codec of an event's class, built on first use for subclasses outside EVENT_CLASS_MAP."""
    cls = type(event)
    codec = _CODECS.get(cls)
    if codec is not None:
        return codec
    if not isinstance(event, BaseEvent) or not is_dataclass(event):
        raise SerializationError(where, event, f"not an event (a BaseEvent dataclass), got {cls.__name__}")
    try:
        codec = _build_codec(cls)
    except TypeError as exc:
        raise SerializationError(where, event, str(exc)) from None
    _CODECS[cls] = codec
    _TO_JSON[cls] = codec.to_json
    return codec


# ----------------------------------------------------------------------------------------- encoding


def serialize_event(event: BaseEvent, *, include_audio: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of every field, lossless. Dict and list fields are shared, not copied.

    With ``include_audio=False`` the ``audio_data`` key is left out (no base64 work), for views that
    describe audio rather than carry it.
    """
    return _codec_for(event, "event").encode(event, include_audio)


def _json_text(codec: _Codec, event: BaseEvent, where: str) -> str:
    """One event's JSON text: the generated fast path, else json.dumps of its dict, naming a bad field."""
    try:
        return codec.to_json(event)
    except Exception:  # _GiveUp, or TypeError/ValueError/AttributeError from an unexpected value
        pass
    data = codec.encode(event, True)
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        for key, value in data.items():
            try:
                _ENCODER.encode(value)
            except (TypeError, ValueError, RecursionError) as field_exc:
                raise SerializationError(
                    f"{where}.{key}" if where else key, value, f"cannot be written as JSON ({field_exc})"
                ) from None
        raise SerializationError(where or "event", event, f"cannot be written as JSON ({exc})") from None


def serialize_events(events: Iterable[BaseEvent]) -> str:
    """A compact JSON array of events, as json.dumps would write it, but several times faster."""
    items = events if isinstance(events, (list, tuple)) else list(events)
    if not items:
        return "[]"
    to_json = _TO_JSON
    try:
        parts = [to_json[type(event)](event) for event in items]
    except Exception:  # an unexpected class or value: the careful loop below handles or names it
        parts = [_json_text(_codec_for(e, f"events[{i}]"), e, f"events[{i}]") for i, e in enumerate(items)]
    parts[0] = "[" + parts[0]  # brackets on the ends, so that the megabytes are copied once
    parts[-1] += "]"
    return ",".join(parts)


def event_to_json(event: BaseEvent) -> str:
    """One event as compact JSON text."""
    return _json_text(_codec_for(event, "event"), event, "")


def encode_event(event: BaseEvent, *, include_audio: bool = True, origin: Origin | None = None) -> bytes:
    """One event as compact UTF-8 JSON, for stores and forwarders.

    ``include_audio=False`` leaves ``audio_data`` out (a store keeps audio apart, once per content);
    ``origin`` is written when the event has none of its own (events made here carry None), without
    changing the event.
    """
    if origin is None or event.origin is not None:
        if include_audio:
            return event_to_json(event).encode("utf-8")
        data = serialize_event(event, include_audio=False)
    else:
        data = serialize_event(event, include_audio=include_audio)
        data["origin"] = _encode_origin(origin)
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise SerializationError("event", event.event_id, f"cannot be written as JSON ({exc})") from None


def decode_event(data: str | bytes | bytearray | memoryview, *, audio_data: bytes | None = None) -> BaseEvent:
    """The event that :func:`encode_event` wrote; ``audio_data`` puts back audio kept apart."""
    raw = bytes(data) if isinstance(data, memoryview) else data
    parsed = _loads(raw, "event")
    if audio_data is not None and isinstance(parsed, dict):
        parsed["audio_data"] = audio_data
    return _decode(parsed, "")


# ----------------------------------------------------------------------------------------- decoding


_ENVELOPE_KEYS = frozenset({"event_type", "format_version"})  # read by _decode itself, not passed on


def _whole(prefix: str) -> str:
    """The path naming a whole event, from the prefix naming its fields."""
    return prefix[:-1] if prefix else "event"


def _decode(data: Any, prefix: str) -> BaseEvent:
    """Build one event from a mapping; ``prefix`` ('', 'events[3].', 'line 12.') starts every path."""
    if not isinstance(data, Mapping):
        raise SerializationError(_whole(prefix), data, f"expected an event object, got {_json_type(data)}")
    raw_type = data.get("event_type")
    if raw_type is None or raw_type == "":
        raise SerializationError(prefix + "event_type", raw_type, "Event data missing event_type")
    cls = _CLASS_BY_TYPE.get(raw_type) if isinstance(raw_type, (str, EventType)) else None
    if cls is None:
        raise SerializationError(prefix + "event_type", raw_type, f"Unknown event type: {raw_type}")
    version = data.get("format_version")
    if version is not None and (type(version) is not int or not 1 <= version <= FORMAT_VERSION):
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            reason = (
                f"written by a newer format (version {version}); this reader knows version {FORMAT_VERSION}"
            )
        else:
            reason = f"expected a format version from 1 to {FORMAT_VERSION}"
        raise SerializationError(prefix + "format_version", version, reason)
    codec = _CODECS[cls]
    decoders = codec.decoders
    kwargs: dict[str, Any] = {}
    key: Any = None
    try:
        for key, value in data.items():
            decoder = decoders.get(key)
            if decoder is not None:
                kwargs[key] = decoder(value)
            elif key not in _ENVELOPE_KEYS:
                raise _Problem(f"unknown field for {cls.__name__}", value)
    except _Problem as problem:
        raise SerializationError(f"{prefix}{key}{problem.sub}", problem.value, problem.reason) from None
    for required in ("event_id", "timestamp"):
        if required not in kwargs:
            raise SerializationError(
                prefix + required, None, f"missing; every serialized event has {required}"
            )
    if codec.has_audio and _is_upstream_audio_placeholder(data.get("audio_data")):
        kwargs["audio_evicted"] = True  # the audio is gone, whatever else the data says
    try:
        return cls(**kwargs)
    except EventValidationError as exc:
        raise SerializationError(prefix + exc.field, exc.value, exc.reason) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise SerializationError(_whole(prefix), cls.__name__, f"cannot build the event ({exc})") from None


def deserialize_event(data: Mapping[str, Any]) -> BaseEvent:
    """The event a dict describes; also reads upstream's dicts (space-separated times, no version)."""
    return _decode(data, "")


def _loads(text: str | bytes | bytearray, where: str) -> Any:
    try:
        if not isinstance(text, str):
            text = bytes(text).decode("utf-8")
        return _DECODER.decode(text)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity
        shown = text if isinstance(text, str) else bytes(text)
        raise SerializationError(where, shown, f"invalid JSON ({exc})") from None


def deserialize_events(
    text_or_list: str | bytes | bytearray | Iterable[Mapping[str, Any]],
) -> list[BaseEvent]:
    """Events from a JSON array text or a list of dicts; errors name the index: ``events[3].text``."""
    items: Any = text_or_list
    if isinstance(items, (str, bytes, bytearray)):
        items = _loads(items, "events")
    if isinstance(items, Mapping) or not isinstance(items, Iterable):
        raise SerializationError(
            "events", items, f"expected an array of event objects, got {_json_type(items)}"
        )
    return [_decode(data, f"events[{i}].") for i, data in enumerate(items)]


def event_from_json(text: str | bytes | bytearray) -> BaseEvent:
    """One event from JSON object text."""
    return _decode(_loads(text, "event"), "")


# ------------------------------------------------------------------------------------------- NDJSON


def write_ndjson(events: Iterable[BaseEvent], fp: TextIO) -> int:
    """Stream events as NDJSON after a header line; returns the number of events written.

    One line per event lets a reader stream a long recording and name the line of a bad event.
    """
    fp.write(_ENCODER.encode({"format": NDJSON_FORMAT, "format_version": FORMAT_VERSION}) + "\n")
    write = fp.write
    codecs = _CODECS
    count = 0
    for count, event in enumerate(events, start=1):
        codec = codecs.get(type(event))
        if codec is not None:
            try:
                write(codec.to_json(event) + "\n")
                continue
            except Exception:  # the slow path below says what is wrong, if anything
                pass
        where = f"events[{count - 1}]"
        write(_json_text(codec or _codec_for(event, where), event, where) + "\n")
    return count


def read_ndjson(fp: TextIO) -> Iterator[BaseEvent]:
    """Check the header now, then yield events one line at a time; errors name the line (``line 12.text``)."""
    header_line = fp.readline()
    if not header_line.strip():
        raise SerializationError(
            "line 1", header_line, f"empty input; expected a {NDJSON_FORMAT!r} header line"
        )
    header = _loads(header_line, "line 1")
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
        where = f"line {number}"
        yield _decode(_loads(line, where), where + ".")


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
