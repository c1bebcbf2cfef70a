"""Tests of plugins_core.exceptions: the documented tree, the attributes and the message format."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import plugins_core
from plugins_core.exceptions import (
    AudioFormatError,
    EventValidationError,
    FilterError,
    PluginsCoreError,
    SerializationError,
    UnknownEventTypeError,
)

FIELD_ERRORS: list[type[PluginsCoreError]] = [
    EventValidationError,
    FilterError,
    SerializationError,
    AudioFormatError,
]
ALL_ERRORS: list[type[PluginsCoreError]] = [*FIELD_ERRORS, UnknownEventTypeError]


def _field_error(cls: type[PluginsCoreError], field: str, value: Any, reason: str) -> PluginsCoreError:
    """Build one of the field errors; `cls` is typed as the base so that the table stays one list."""
    factory: Any = cls
    error: PluginsCoreError = factory(field, value, reason)
    return error


# ------------------------------------------------------------------------------------- hierarchy


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in ALL_ERRORS])
def test_every_error_is_a_plugins_core_error_and_a_value_error(cls: type[PluginsCoreError]) -> None:
    assert issubclass(cls, PluginsCoreError)
    assert issubclass(cls, ValueError)
    assert issubclass(cls, Exception)


def test_plugins_core_error_is_the_root_and_not_a_value_error() -> None:
    assert issubclass(PluginsCoreError, Exception)
    assert not issubclass(PluginsCoreError, ValueError)


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in ALL_ERRORS])
def test_errors_are_siblings_not_subclasses_of_each_other(cls: type[PluginsCoreError]) -> None:
    for other in ALL_ERRORS:
        if other is not cls:
            assert not issubclass(cls, other)


def test_errors_are_exported_from_the_package() -> None:
    exported: list[type[PluginsCoreError]] = [PluginsCoreError, *ALL_ERRORS]
    for cls in exported:
        assert getattr(plugins_core, cls.__name__) is cls
        assert cls.__name__ in plugins_core.__all__


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in ALL_ERRORS])
def test_errors_are_caught_by_except_value_error(cls: type[PluginsCoreError]) -> None:
    error = UnknownEventTypeError("x") if cls is UnknownEventTypeError else _field_error(cls, "f", 1, "bad")
    with pytest.raises(ValueError):
        raise error


# ------------------------------------------------------------------------ attributes and message


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in FIELD_ERRORS])
def test_field_errors_carry_field_value_and_reason(cls: type[PluginsCoreError]) -> None:
    value = {"a": 1}
    error: Any = _field_error(cls, "some_field", value, "must be something else")
    assert error.field == "some_field"
    assert error.value is value
    assert error.reason == "must be something else"
    assert error.args == ("some_field={'a': 1}: must be something else",)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", "text='': cannot be empty", id="empty-string"),
        pytest.param(1.5, "text=1.5: cannot be empty", id="float"),
        pytest.param(None, "text=None: cannot be empty", id="none"),
        pytest.param(float("nan"), "text=nan: cannot be empty", id="nan"),
        pytest.param(["a", "b"], "text=['a', 'b']: cannot be empty", id="list"),
        pytest.param("it's", 'text="it\'s": cannot be empty', id="quote-uses-repr"),
    ],
)
def test_message_format_is_field_equals_repr_value_colon_reason(value: Any, message: str) -> None:
    assert str(EventValidationError("text", value, "cannot be empty")) == message


def test_long_values_are_truncated_in_the_message_but_kept_whole_on_the_error() -> None:
    value = "x" * 500
    error = FilterError("q", value, "too long")
    shown = str(error).removeprefix("q=").removesuffix(": too long")
    assert len(shown) == 80
    assert shown == repr(value)[:77] + "..."
    assert error.value == value  # the attribute is never truncated


def test_values_whose_repr_fits_are_not_truncated() -> None:
    value = "y" * 78  # repr is exactly 80 characters
    assert str(AudioFormatError("data", value, "r")) == f"data={value!r}: r"


def test_huge_bytes_value_keeps_the_message_short() -> None:
    error = AudioFormatError("audio_data", b"\x00" * 1_000_000, "bad")
    assert len(str(error)) < 120
    assert str(error).startswith("audio_data=b'\\x00")


def test_unknown_event_type_error_names_event_type_by_default() -> None:
    error = UnknownEventTypeError("nope")
    assert error.field == "event_type"
    assert error.value == "nope"
    assert str(error) == "event_type='nope': unknown event type"


def test_unknown_event_type_error_names_a_given_field() -> None:
    error = UnknownEventTypeError(42, "type")
    assert error.field == "type"
    assert error.value == 42
    assert str(error) == "type=42: unknown event type"


def test_unknown_event_type_error_truncates_long_values() -> None:
    error = UnknownEventTypeError("z" * 300)
    assert str(error) == f"event_type={('z' * 300)!r}"[:88] + "...: unknown event type"


def test_unknown_event_type_error_has_a_reason_like_the_other_errors() -> None:
    error: Any = UnknownEventTypeError("nope")
    assert error.reason == "unknown event type"


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(EventValidationError("text", "", "transcript text cannot be empty"), id="event"),
        pytest.param(FilterError("type", "nope", "unknown event type"), id="filter"),
        pytest.param(SerializationError("events[3].audio_data", "!!", "corrupt base64"), id="serial"),
        pytest.param(AudioFormatError("sample_rate", 0, "must be positive"), id="audio"),
    ],
)
def test_raising_pins_the_message(error: PluginsCoreError) -> None:
    with pytest.raises(type(error), match=r"^[\w.\[\]]+=.+: .+$"):
        raise error


# ------------------------------------------------------------------------------------- pickling


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in FIELD_ERRORS])
def test_field_errors_survive_a_pickle_round_trip(cls: type[PluginsCoreError]) -> None:
    original: Any = _field_error(cls, "min_confidence", 1.5, "must be in [0, 1]")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy: Any = pickle.loads(pickle.dumps(original, protocol=protocol))
        assert (copy.field, copy.value, copy.reason) == ("min_confidence", 1.5, "must be in [0, 1]")
        assert str(copy) == str(original) == "min_confidence=1.5: must be in [0, 1]"
        assert type(copy) is cls


def test_unknown_event_type_error_survives_a_pickle_round_trip() -> None:
    original = UnknownEventTypeError("nope", "type")
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is UnknownEventTypeError
    assert (copy.field, copy.value) == ("type", "nope")
    assert str(copy) == "type='nope': unknown event type"


def test_plugins_core_error_survives_a_pickle_round_trip() -> None:
    copy = pickle.loads(pickle.dumps(PluginsCoreError("plain")))
    assert type(copy) is PluginsCoreError
    assert str(copy) == "plain"
