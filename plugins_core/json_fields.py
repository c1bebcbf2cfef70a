"""The JSON form of every event field, and the checked reading that names the field at fault.

Per event class, derived once from the dataclass annotations: how each value is written (times as
ISO-8601 UTC text, audio as base64, exceptions as ``{type, module, message, args}``, origins as
objects, enums by value) and how it is checked when read, so that bad input raises
:class:`~plugins_core.exceptions.SerializationError` naming the field path (``events[3].confidence``,
``line 12.audio_data``) rather than building a half-valid event.

This is the reference reading of the format. :mod:`plugins_core.codec` decodes valid input faster
with msgspec; whatever it refuses comes here, which either reads it (upstream's dicts, format
version 1) or says exactly what is wrong with it.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from plugins_core.events import EVENT_CLASS_MAP, BaseEvent, EventType, Origin
from plugins_core.exceptions import EventValidationError, SerializationError

__all__ = [
    "FORMAT_VERSION",
    "NDJSON_FORMAT",
    "ClassFields",
    "RestoredError",
    "check_version",
    "class_fields",
    "decode_mapping",
    "encode_error",
    "encode_origin",
    "event_dict",
    "fields_of",
    "iso_utc",
    "json_type",
    "json_text_checked",
    "loads_checked",
    "restore_exception",
]

#: Version of the serialized form; written in every event object and in the NDJSON header.
#: Version 2 added ``origin``; version 1 input is still read.
FORMAT_VERSION = 2

#: The ``format`` value of the NDJSON header line, so that a stranger's NDJSON file is recognised.
NDJSON_FORMAT = "plugins_core.events"

_Encoder = Callable[[Any], Any]
_Decoder = Callable[[Any], Any]

# The reference JSON text: compact, UTF-8, NaN/Infinity refused (browsers cannot parse them).
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


def json_type(value: Any) -> str:
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


def iso_utc(value: datetime) -> str:
    """``value.isoformat()`` in UTC (``+00:00``), naive read as UTC; about twice as fast for UTC times.

    isoformat() is the largest single cost of an event's dict, so the "YYYY-MM-DDTHH:MM:" prefix is
    kept per minute (events of one session share minutes) and only seconds are formatted.
    """
    if value.tzinfo is not UTC or type(value) is not datetime:
        if value.tzinfo is None:  # only if mutated after creation: events hold aware UTC times
            return value.replace(tzinfo=UTC).isoformat()
        try:
            return value.astimezone(UTC).isoformat()
        except OverflowError:  # year 1 or 9999 with an offset: written in its own zone
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
    return iso_utc(value) if isinstance(value, datetime) else value


def _encode_bytes(value: Any) -> Any:
    if value is None:
        return None
    try:
        return base64.b64encode(value).decode("ascii")
    except TypeError:  # not bytes-like (set after creation): written as is, or named as unwritable
        return value


def _is_json_scalar(value: Any) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in (str, int, bool, NoneType)


def encode_error(value: Any) -> Any:
    """An exception as ``{type, module, message, args}``; ``args`` only when all are JSON scalars."""
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


def encode_origin(value: Any) -> Any:
    """An Origin as ``{"host", "pid", "worker"?, "replay_of"?}`` (None members left out)."""
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
        raise _Problem(f"expected an origin object or null, got {json_type(value)}", value)
    unknown = set(value) - _ORIGIN_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise _Problem("unknown origin field", value[key], f".{key}")
    try:
        return Origin(value.get("host"), value.get("pid"), value.get("worker"), value.get("replay_of"))  # type: ignore[arg-type]
    except EventValidationError as exc:
        raise _Problem(exc.reason, exc.value, exc.field.removeprefix("origin")) from None


def _check_type(accept: Callable[[Any], bool], desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if accept(value):
            return value
        raise _Problem(f"expected {desc}, got {json_type(value)}", value)

    return decode


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_float(desc: str) -> _Decoder:
    def decode(value: Any) -> Any:
        if type(value) is float:
            if math.isfinite(value):
                return value
        elif _is_int(value):
            try:
                return float(value)
            except OverflowError:
                pass
        else:
            raise _Problem(f"expected {desc}, got {json_type(value)}", value)
        raise _Problem(f"expected {desc}, got a number out of range", value)

    return decode


def _check_list(desc: str, item: type) -> _Decoder:
    item_name = json_type(item())

    def decode(value: Any) -> Any:
        if not isinstance(value, list):
            raise _Problem(f"expected {desc}, got {json_type(value)}", value)
        for i, element in enumerate(value):
            if not isinstance(element, item):
                raise _Problem(f"expected {item_name}, got {json_type(element)}", element, f"[{i}]")
        return value

    return decode


def _decode_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _Problem("not an ISO-8601 time such as '2025-01-31T09:30:00.000001+00:00'", value) from None
    elif not isinstance(value, datetime):
        raise _Problem(f"expected an ISO-8601 time string, got {json_type(value)}", value)
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
    if isinstance(value, bytes):  # raw audio, as a store that keeps audio apart hands it back
        return value
    if is_upstream_audio_placeholder(value):
        return None  # upstream kept only the size; the audio is gone
    raise _Problem(f"expected a base64 string or null, got {json_type(value)}", value)


def is_upstream_audio_placeholder(value: Any) -> bool:
    """Upstream wrote ``{"size_bytes": n, "type": "bytes"}`` instead of the audio."""
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
        raise _Problem(f"expected {desc}, got {json_type(value)}", value)

    return decode


_ERROR_KEYS = frozenset({"type", "module", "message", "args"})


def _decode_error(value: Any) -> Any:
    if isinstance(value, BaseException):
        return value
    if not isinstance(value, dict):
        raise _Problem(f"expected an error object or null, got {json_type(value)}", value)
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
        raise _Problem(f"expected a string, got {json_type(message)}", message, ".message")
    module = value.get("module")
    if module is not None and not isinstance(module, str):
        raise _Problem(f"expected a string or null, got {json_type(module)}", module, ".module")
    args = value.get("args")
    if args is not None:
        if not isinstance(args, list):
            raise _Problem(f"expected an array, got {json_type(args)}", args, ".args")
        for i, arg in enumerate(args):
            if not _is_json_scalar(arg):
                raise _Problem(f"expected a JSON scalar, got {json_type(arg)}", arg, f".args[{i}]")
    return restore_exception(type_name, module, message, args)


def restore_exception(
    type_name: str, module: str | None, message: str, args: Sequence[Any] | None
) -> BaseException:
    """Built-in exception classes are rebuilt as themselves; any other class gets a RestoredError.

    Only built-ins are rebuilt: importing a module named by the input would run foreign code.
    """
    cls = getattr(builtins, type_name, None) if module in (None, "builtins") else None
    if isinstance(cls, type) and issubclass(cls, BaseException):
        fallback: BaseException | None = None
        for candidate in ([list(args)] if args is not None else []) + [[message]]:
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


# ------------------------------------------------------------------------------- per-class fields


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    kind: str  # str, bool, int, float, datetime, bytes, enum, error, origin, json
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
        kind, decoder = "str", _check_type(lambda v: isinstance(v, str), "a string" + tail)
    elif hint is bool:
        kind, decoder = "bool", _check_type(lambda v: type(v) is bool, "a boolean" + tail)
    elif hint is int:
        kind, decoder = "int", _check_type(_is_int, "an integer" + tail)
    elif hint is float:
        kind, decoder = "float", _check_float("a finite number" + tail)
    elif hint is datetime:
        kind, decoder, encoder = "datetime", _decode_datetime, _encode_datetime
    elif hint is bytes:
        kind, decoder, encoder = "bytes", _decode_bytes, _encode_bytes
    elif isinstance(hint, type) and issubclass(hint, Enum):
        kind, decoder, encoder = "enum", _enum_decoder(hint, "a string" + tail), _encode_enum
    elif isinstance(hint, type) and issubclass(hint, BaseException):
        kind, decoder, encoder = "error", _decode_error, encode_error
    elif hint is Origin:
        kind, decoder, encoder = "origin", _decode_origin, encode_origin
    elif origin is dict or hint is dict:
        kind, decoder = "json", _check_type(lambda v: isinstance(v, dict), "an object" + tail)
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


@dataclass(frozen=True, slots=True)
class ClassFields:
    """One event class's fields in order, with how each is written and checked."""

    cls: type[BaseEvent]
    names: tuple[str, ...]
    hints: dict[str, Any]
    kinds: dict[str, str]
    getter: Callable[[Any], tuple[Any, ...]]
    specials: tuple[tuple[str, _Encoder], ...]  # fields whose value is converted when written
    decoders: dict[str, _Decoder]  # init fields other than event_type
    has_audio: bool
    to_dict: Callable[[BaseEvent, bool], dict[str, Any]]  # the event's JSON-ready dict (include_audio)


def _build_fields(cls: type[BaseEvent]) -> ClassFields:
    hints = get_type_hints(cls)
    specs = {f.name: _field_spec(hints[f.name], f"{cls.__name__}.{f.name}") for f in fields(cls)}
    names = tuple(specs)
    getter = operator.attrgetter(*names)  # BaseEvent has 8 fields, so this returns a tuple
    specials = tuple((name, spec.encoder) for name, spec in specs.items() if spec.encoder is not None)
    decoders = {f.name: specs[f.name].decoder for f in fields(cls) if f.init and f.name != "event_type"}

    def to_dict(event: BaseEvent, include_audio: bool = True) -> dict[str, Any]:
        data = dict(zip(names, getter(event), strict=True))
        if not include_audio:
            data.pop("audio_data", None)
        for name, encode in specials:
            if name in data:
                data[name] = encode(data[name])
        data["format_version"] = FORMAT_VERSION
        return data

    return ClassFields(
        cls=cls,
        names=names,
        hints={name: hints[name] for name in names},
        kinds={name: spec.kind for name, spec in specs.items()},
        getter=getter,
        specials=specials,
        decoders=decoders,
        has_audio="audio_data" in decoders,
        to_dict=to_dict,
    )


_FIELDS: dict[type[BaseEvent], ClassFields] = {cls: _build_fields(cls) for cls in EVENT_CLASS_MAP.values()}

_CLASS_BY_TYPE: dict[Any, type[BaseEvent]] = {}
for _event_type, _cls in EVENT_CLASS_MAP.items():
    _CLASS_BY_TYPE[_event_type] = _cls
    _CLASS_BY_TYPE[_event_type.value] = _cls
    _CLASS_BY_TYPE[_event_type.name] = _cls
del _event_type, _cls


def fields_of(cls: type[BaseEvent]) -> ClassFields:
    """The fields of one of the EVENT_CLASS_MAP classes."""
    return _FIELDS[cls]


def class_fields(event: Any, where: str) -> ClassFields:
    """The fields of an event's class, derived on first use for subclasses outside EVENT_CLASS_MAP."""
    cls = type(event)
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    if not isinstance(event, BaseEvent) or not is_dataclass(event):
        raise SerializationError(where, event, f"not an event (a BaseEvent dataclass), got {cls.__name__}")
    try:
        found = _build_fields(cls)
    except TypeError as exc:
        raise SerializationError(where, event, str(exc)) from None
    _FIELDS[cls] = found
    return found


# ----------------------------------------------------------------------------------------- encoding


def event_dict(event: BaseEvent, include_audio: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of every field, lossless. Dict and list fields are shared, not copied."""
    found = _FIELDS.get(type(event)) or class_fields(event, "event")
    return found.to_dict(event, include_audio)


def json_text_checked(data: dict[str, Any], event: BaseEvent, where: str) -> str:
    """The reference JSON text of an event's dict, naming the first field JSON cannot hold."""
    try:
        return _ENCODER.encode(data)
    except (TypeError, ValueError, RecursionError) as exc:
        for key, value in data.items():
            try:
                _ENCODER.encode(value)
            except (TypeError, ValueError, RecursionError) as field_exc:
                raise SerializationError(
                    f"{where}.{key}" if where else key, value, f"cannot be written as JSON ({field_exc})"
                ) from None
        raise SerializationError(where or "event", event, f"cannot be written as JSON ({exc})") from None


# ----------------------------------------------------------------------------------------- decoding


_ENVELOPE_KEYS = frozenset({"event_type", "format_version"})  # read by decode_mapping itself


def _whole(prefix: str) -> str:
    """The path naming a whole event, from the prefix naming its fields."""
    return prefix[:-1] if prefix else "event"


def check_version(version: Any, field: str) -> None:
    """Refuse a format version this reader does not know (None: not given, read as current)."""
    if version is None or (type(version) is int and 1 <= version <= FORMAT_VERSION):
        return
    if _is_int(version) and version > FORMAT_VERSION:
        reason = f"written by a newer format (version {version}); this reader knows version {FORMAT_VERSION}"
    else:
        reason = f"expected a format version from 1 to {FORMAT_VERSION}"
    raise SerializationError(field, version, reason)


def decode_mapping(data: Any, prefix: str) -> BaseEvent:
    """Build one event from a mapping; ``prefix`` ('', 'events[3].', 'line 12.') starts every path."""
    if not isinstance(data, Mapping):
        raise SerializationError(_whole(prefix), data, f"expected an event object, got {json_type(data)}")
    raw_type = data.get("event_type")
    if raw_type is None or raw_type == "":
        raise SerializationError(prefix + "event_type", raw_type, "Event data missing event_type")
    cls = _CLASS_BY_TYPE.get(raw_type) if isinstance(raw_type, (str, EventType)) else None
    if cls is None:
        raise SerializationError(prefix + "event_type", raw_type, f"Unknown event type: {raw_type}")
    check_version(data.get("format_version"), prefix + "format_version")
    spec = _FIELDS[cls]
    decoders = spec.decoders
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
    if spec.has_audio and is_upstream_audio_placeholder(data.get("audio_data")):
        kwargs["audio_evicted"] = True  # the audio is gone, whatever else the data says
    try:
        return cls(**kwargs)
    except EventValidationError as exc:
        raise SerializationError(prefix + exc.field, exc.value, exc.reason) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise SerializationError(_whole(prefix), cls.__name__, f"cannot build the event ({exc})") from None


def loads_checked(text: str | bytes | bytearray | memoryview, where: str) -> Any:
    """Parse JSON text (UTF-8 bytes or str), naming ``where`` and the parser's complaint on failure."""
    if not isinstance(text, str):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"invalid JSON (invalid UTF-8: {exc.reason} at byte {exc.start})"
            raise SerializationError(where, raw, reason) from None
    try:
        return _DECODER.decode(text)
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity
        raise SerializationError(where, text, f"invalid JSON ({exc})") from None
    except RecursionError:
        raise SerializationError(where, text, "invalid JSON (nested too deeply)") from None
