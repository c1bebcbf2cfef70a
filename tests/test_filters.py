"""Tests of plugins_core.filters: upstream EventFilter semantics, our additions and the query form."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings, strategies as st
from starlette.datastructures import QueryParams

from plugins_core.events import (
    BaseEvent,
    EventType,
    PluginErrorEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSTranscriptEvent,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSErrorEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADErrorEvent,
    VADSpeechStartEvent,
)
from plugins_core.exceptions import FilterError, PluginsCoreError
from plugins_core.filters import FILTER_PARAMS, EventFilter, event_confidence, event_text

T0 = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


def transcript(text: str = "hello", **kwargs: Any) -> STTTranscriptEvent:
    return STTTranscriptEvent(text=text, **kwargs)


# ------------------------------------------------------------------------- construction (upstream)


def test_lists_become_sets() -> None:
    f = EventFilter(
        event_types=[EventType.STT_TRANSCRIPT, EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO],
        session_ids=["s1", "s2", "s1"],
        plugin_names=["deepgram"],
    )
    assert f.event_types == {EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO}
    assert f.session_ids == {"s1", "s2"}
    assert f.plugin_names == {"deepgram"}


def test_defaults_are_none() -> None:
    f = EventFilter()
    assert f.event_types is None
    assert f.session_ids is None
    assert f.plugin_names is None
    assert f.time_window_ms is None
    assert f.min_confidence is None
    assert f.text_contains is None
    assert f.start_time is None
    assert f.end_time is None
    assert f.errors_only is False


def test_empty_lists_mean_no_filter() -> None:
    f = EventFilter(event_types=[], session_ids=[], plugin_names=[])
    assert (f.event_types, f.session_ids, f.plugin_names) == (None, None, None)
    assert f.matches(transcript())
    assert f.is_empty


def test_event_types_accept_values_and_names() -> None:
    f = EventFilter(event_types=["stt_transcript", "TTS_AUDIO", EventType.VAD_AUDIO])
    assert f.event_types == {EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO, EventType.VAD_AUDIO}


def test_unknown_event_type_in_the_constructor_names_event_types() -> None:
    with pytest.raises(ValueError, match=r"^event_types='nope': unknown event type$"):
        EventFilter(event_types=["nope"])


def test_generators_are_accepted() -> None:
    f = EventFilter(session_ids=(s for s in ["a", "b"]))
    assert f.session_ids == {"a", "b"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"min_confidence": 1.5}, r"^min_confidence=1\.5: must be in \[0, 1\]$", id="conf-above-1"
        ),
        pytest.param({"min_confidence": -0.1}, r"^min_confidence=-0\.1: must be in \[0, 1\]$", id="conf-neg"),
        pytest.param(
            {"min_confidence": math.nan}, r"^min_confidence=nan: must be a finite number$", id="conf-nan"
        ),
        pytest.param(
            {"min_confidence": math.inf}, r"^min_confidence=inf: must be a finite number$", id="conf-inf"
        ),
        pytest.param(
            {"min_confidence": "0.8"}, r"^min_confidence='0\.8': must be a finite number$", id="conf-str"
        ),
        pytest.param(
            {"min_confidence": True}, r"^min_confidence=True: must be a finite number$", id="conf-bool"
        ),
        pytest.param({"time_window_ms": -1}, r"^time_window_ms=-1: must be >= 0$", id="window-neg"),
        pytest.param(
            {"time_window_ms": math.inf}, r"^time_window_ms=inf: must be a finite number$", id="window-inf"
        ),
        pytest.param(
            {"time_window_ms": math.nan}, r"^time_window_ms=nan: must be a finite number$", id="window-nan"
        ),
        pytest.param({"text_contains": 5}, r"^text_contains=5: must be a string$", id="text-int"),
        pytest.param(
            {"start_time": "2026-01-01"}, r"^start_time='2026-01-01': must be a datetime$", id="start-str"
        ),
        pytest.param({"end_time": 0}, r"^end_time=0: must be a datetime$", id="end-int"),
        pytest.param(
            {"start_time": T0, "end_time": T0 - timedelta(microseconds=1)},
            r"^end_time='2026-11-29T11:59:59\.999999\+00:00': is before start_time$",
            id="start-after-end",
        ),
    ],
)
def test_constructor_errors_name_the_field(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(FilterError, match=match) as info:
        EventFilter(**kwargs)
    assert isinstance(info.value, PluginsCoreError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, 0.5], ids=["0", "0.0", "1", "1.0", "0.5"])
def test_min_confidence_bounds_are_inclusive(value: float) -> None:
    f = EventFilter(min_confidence=value)
    assert f.min_confidence == value
    assert type(f.min_confidence) is float


def test_start_equal_to_end_is_allowed() -> None:
    f = EventFilter(start_time=T0, end_time=T0)
    assert f.matches(transcript(timestamp=T0))
    assert not f.matches(transcript(timestamp=T0 + timedelta(microseconds=1)))


def test_naive_times_are_utc_and_aware_ones_are_converted() -> None:
    f = EventFilter(
        start_time=datetime(2026, 11, 29, 12, 0),
        end_time=datetime(2026, 11, 29, 15, 0, tzinfo=timezone(timedelta(hours=2))),
    )
    assert f.start_time == T0
    assert f.start_time is not None and f.start_time.tzinfo is UTC
    assert f.end_time == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    assert f.end_time is not None and f.end_time.tzinfo is UTC


# ------------------------------------------------------------------------------ matching: upstream


def test_matches_none_is_false_unlike_upstream() -> None:
    # Upstream's EventFilter().matches(None) is True ("could be improved"); ours never matches None.
    assert EventFilter().matches(None) is False
    assert EventFilter(min_confidence=0.5).matches(None) is False


def test_empty_filter_matches_every_event() -> None:
    f = EventFilter()
    for event in [transcript(), TTSAudioEvent(), VADErrorEvent(), PluginErrorEvent(session_id="s")]:
        assert f.matches(event)


def test_event_type_filter() -> None:
    f = EventFilter(event_types=[EventType.STT_TRANSCRIPT, EventType.STT_PARTIAL_TRANSCRIPT])
    assert f.matches(transcript())
    assert f.matches(STTPartialTranscriptEvent(text="he"))
    assert not f.matches(TTSAudioEvent())


def test_session_filter_excludes_events_without_a_session() -> None:
    f = EventFilter(session_ids=["s1", "s2"])
    assert f.matches(transcript(session_id="s1"))
    assert f.matches(transcript(session_id="s2"))
    assert not f.matches(transcript(session_id="s3"))
    assert not f.matches(transcript())


def test_plugin_filter_excludes_events_without_a_plugin_name() -> None:
    f = EventFilter(plugin_names=["deepgram"])
    assert f.matches(transcript(plugin_name="deepgram"))
    assert not f.matches(transcript(plugin_name="Deepgram"))
    assert not f.matches(transcript())


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [
        pytest.param(120, False, id="120s-old-fails-60s-window"),
        pytest.param(61, False, id="61s-old"),
        pytest.param(30, True, id="30s-old"),
        pytest.param(0, True, id="now"),
        pytest.param(-3600, True, id="future-passes"),
    ],
)
def test_time_window_counts_back_from_now(age_s: float, expected: bool) -> None:
    event = transcript(timestamp=datetime.now(UTC) - timedelta(seconds=age_s))
    assert EventFilter(time_window_ms=60_000).matches(event) is expected


def test_time_window_reads_naive_timestamps_as_utc() -> None:
    naive_now = datetime.now(UTC).replace(tzinfo=None)
    assert EventFilter(time_window_ms=60_000).matches(transcript(timestamp=naive_now))
    old = naive_now - timedelta(seconds=120)
    assert not EventFilter(time_window_ms=60_000).matches(transcript(timestamp=old))


@pytest.mark.parametrize("window", [None, 0, 0.0], ids=["none", "zero", "zero-float"])
def test_zero_or_none_window_means_no_check(window: float | None) -> None:
    event = transcript(timestamp=datetime(2000, 1, 1, tzinfo=UTC))
    assert EventFilter(time_window_ms=window).matches(event)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(transcript(confidence=0.9), True, id="above"),
        pytest.param(transcript(confidence=0.8), True, id="equal-inclusive"),
        pytest.param(transcript(confidence=0.7999), False, id="below"),
        pytest.param(transcript(), False, id="none-confidence-strict"),
        pytest.param(TTSAudioEvent(), False, id="no-confidence-attribute"),
        pytest.param(STSTranscriptEvent(text="x", confidence=1.0), True, id="sts-transcript"),
        pytest.param(
            VADAudioEvent(speech_probability=0.99), False, id="speech-probability-is-not-confidence"
        ),
    ],
)
def test_min_confidence_is_strict_and_inclusive(event: BaseEvent, expected: bool) -> None:
    assert EventFilter(min_confidence=0.8).matches(event) is expected


def test_min_confidence_zero_still_excludes_events_without_confidence() -> None:
    f = EventFilter(min_confidence=0.0)
    assert f.matches(transcript(confidence=0.0))
    assert not f.matches(transcript())
    assert not f.matches(TTSAudioEvent())


def test_criteria_are_anded() -> None:
    f = EventFilter(
        event_types=[EventType.STT_TRANSCRIPT],
        session_ids=["s1"],
        plugin_names=["deepgram"],
        min_confidence=0.8,
        time_window_ms=60_000,
    )
    good: dict[str, Any] = {"session_id": "s1", "plugin_name": "deepgram", "confidence": 0.9}
    assert f.matches(transcript(**good))
    assert not f.matches(STTPartialTranscriptEvent(text="x", **good))
    assert not f.matches(transcript(**{**good, "session_id": "s2"}))
    assert not f.matches(transcript(**{**good, "plugin_name": "fal"}))
    assert not f.matches(transcript(**{**good, "confidence": 0.5}))
    old = datetime.now(UTC) - timedelta(minutes=5)
    assert not f.matches(transcript(**good, timestamp=old))


# -------------------------------------------------------------------------- matching: our additions


@pytest.mark.parametrize(
    ("event", "needle", "expected"),
    [
        pytest.param(transcript("Hello World"), "hello", True, id="text-case-insensitive"),
        pytest.param(transcript("Hello World"), "WORLD", True, id="upper-needle"),
        pytest.param(transcript("Hello World"), "o w", True, id="inner-space"),
        pytest.param(transcript("Hello World"), "bye", False, id="absent"),
        pytest.param(transcript("Straße"), "STRASSE", True, id="casefold"),
        pytest.param(TTSAudioEvent(text_source="Good morning"), "MORNING", True, id="tts-text-source"),
        pytest.param(TTSSynthesisStartEvent(text="Speak this"), "speak", True, id="tts-synthesis-text"),
        pytest.param(STTErrorEvent(error=ValueError("Socket closed")), "socket", True, id="error-message"),
        pytest.param(TTSErrorEvent(error=TimeoutError("slow")), "timeouterror", True, id="error-type-name"),
        pytest.param(VADErrorEvent(context="frame processing"), "FRAME", True, id="error-context"),
        pytest.param(PluginErrorEvent(error_code="E_QUOTA"), "quota", True, id="error-code"),
        pytest.param(STSDisconnectedEvent(reason="service_closed"), "closed", True, id="reason"),
        pytest.param(STSConversationItemEvent(item_type="function_call"), "function", True, id="item-type"),
        pytest.param(STTErrorEvent(), "unknown", False, id="no-error-no-text"),
        pytest.param(TTSAudioEvent(), "a", False, id="no-text-at-all"),
        pytest.param(VADSpeechStartEvent(), "vad", False, id="type-name-is-not-text"),
    ],
)
def test_text_contains(event: BaseEvent, needle: str, expected: bool) -> None:
    assert EventFilter(text_contains=needle).matches(event) is expected


def test_empty_text_contains_means_no_filter() -> None:
    f = EventFilter(text_contains="")
    assert f.text_contains is None
    assert f.matches(TTSAudioEvent())
    assert f.is_empty


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        pytest.param(timedelta(seconds=-1), False, id="before-start"),
        pytest.param(timedelta(0), True, id="at-start-inclusive"),
        pytest.param(timedelta(minutes=30), True, id="inside"),
        pytest.param(timedelta(hours=1), True, id="at-end-inclusive"),
        pytest.param(timedelta(hours=1, microseconds=1), False, id="after-end"),
    ],
)
def test_start_and_end_time_are_inclusive(offset: timedelta, expected: bool) -> None:
    f = EventFilter(start_time=T0, end_time=T0 + timedelta(hours=1))
    assert f.matches(transcript(timestamp=T0 + offset)) is expected


def test_open_ended_time_ranges() -> None:
    assert EventFilter(start_time=T0).matches(transcript(timestamp=T0 + timedelta(days=365)))
    assert not EventFilter(start_time=T0).matches(transcript(timestamp=T0 - timedelta(seconds=1)))
    assert EventFilter(end_time=T0).matches(transcript(timestamp=datetime(1990, 1, 1)))
    assert not EventFilter(end_time=T0).matches(transcript(timestamp=T0 + timedelta(seconds=1)))


def test_naive_start_time_compares_with_aware_event_times_as_utc() -> None:
    f = EventFilter(start_time=datetime(2026, 11, 29, 12, 0))
    plus_two = timezone(timedelta(hours=2))
    assert f.matches(transcript(timestamp=datetime(2026, 11, 29, 14, 0, tzinfo=plus_two)))
    assert not f.matches(transcript(timestamp=datetime(2026, 11, 29, 13, 59, tzinfo=plus_two)))


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(STTErrorEvent(), True, id="stt-error"),
        pytest.param(TTSErrorEvent(), True, id="tts-error"),
        pytest.param(VADErrorEvent(), True, id="vad-error"),
        pytest.param(PluginErrorEvent(), True, id="plugin-error"),
        pytest.param(transcript(), False, id="transcript"),
        pytest.param(STSDisconnectedEvent(was_clean=False), False, id="unclean-disconnect"),
    ],
)
def test_errors_only(event: BaseEvent, expected: bool) -> None:
    assert EventFilter(errors_only=True).matches(event) is expected


def test_errors_only_and_event_types_intersect() -> None:
    f = EventFilter(event_types=[EventType.STT_ERROR, EventType.STT_TRANSCRIPT], errors_only=True)
    assert f.matches(STTErrorEvent())
    assert not f.matches(transcript())
    assert not f.matches(TTSErrorEvent())


# ---------------------------------------------------------------------------- event_text / confidence


def test_event_text_joins_text_fields_and_the_error() -> None:
    event = TTSErrorEvent(
        error=ValueError("bad voice"), error_code="E1", context="synthesis", text_source="Hi there"
    )
    assert event_text(event) == "Hi there\nsynthesis\nE1\nValueError: bad voice"


def test_event_text_of_events_without_text_is_empty() -> None:
    assert event_text(TTSAudioEvent()) == ""
    assert event_text(STTErrorEvent()) == ""
    assert event_text(transcript("only")) == "only"


def test_event_confidence() -> None:
    assert event_confidence(transcript(confidence=0.25)) == 0.25
    assert event_confidence(transcript()) is None
    assert event_confidence(TTSAudioEvent()) is None
    assert event_confidence(VADAudioEvent(speech_probability=0.9)) is None


# ------------------------------------------------------------------------------------ from_query


def test_filter_params() -> None:
    assert FILTER_PARAMS == (
        "type",
        "session",
        "plugin",
        "min_confidence",
        "q",
        "errors",
        "since",
        "until",
        "window_ms",
    )


def test_from_query_string() -> None:
    f = EventFilter.from_query(
        "type=stt_transcript&type=tts_audio&session=s1&plugin=deepgram&min_confidence=0.8"
        "&q=hello%20world&errors=0&since=2026-11-29T12:00:00Z&until=2026-11-29T13:00:00Z&window_ms=60000"
    )
    assert f.event_types == {EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO}
    assert f.session_ids == {"s1"}
    assert f.plugin_names == {"deepgram"}
    assert f.min_confidence == 0.8
    assert f.text_contains == "hello world"
    assert f.errors_only is False
    assert f.start_time == T0
    assert f.end_time == T0 + timedelta(hours=1)
    assert f.time_window_ms == 60000.0


def test_from_query_string_with_a_leading_question_mark_and_plus_for_space() -> None:
    f = EventFilter.from_query("?q=good+morning&type=vad_audio")
    assert f.text_contains == "good morning"
    assert f.event_types == {EventType.VAD_AUDIO}


def test_from_query_dict_of_lists_and_strings() -> None:
    f = EventFilter.from_query({"type": ["stt_transcript", "stt_error"], "session": "s1", "q": ["x"]})
    assert f.event_types == {EventType.STT_TRANSCRIPT, EventType.STT_ERROR}
    assert f.session_ids == {"s1"}
    assert f.text_contains == "x"


def test_from_query_pairs() -> None:
    f = EventFilter.from_query([("type", "vad_audio"), ("type", "vad_partial"), ("plugin", "silero")])
    assert f.event_types == {EventType.VAD_AUDIO, EventType.VAD_PARTIAL}
    assert f.plugin_names == {"silero"}


def test_from_query_starlette_query_params_keeps_repeated_keys() -> None:
    params = QueryParams("type=stt_transcript&type=tts_audio&session=a")
    f = EventFilter.from_query(params)
    assert f.event_types == {EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO}
    assert f.session_ids == {"a"}


class _MultiMapping(Mapping[str, str]):
    """A mapping whose plain items() hide repeats, like Starlette's QueryParams."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> str:
        return [v for k, v in self._pairs if k == key][-1]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._pairs))

    def __len__(self) -> int:
        return len(dict(self._pairs))

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


def test_from_query_uses_multi_items_when_a_mapping_has_it() -> None:
    f = EventFilter.from_query(_MultiMapping([("session", "a"), ("session", "b")]))
    assert f.session_ids == {"a", "b"}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("type=stt_transcript,tts_audio", id="comma"),
        pytest.param("type=stt_transcript&type=tts_audio", id="repeated"),
        pytest.param("type=stt_transcript, tts_audio,", id="comma-spaces-trailing"),
        pytest.param("type=STT_TRANSCRIPT&type=tts_audio", id="member-name"),
        pytest.param("type=stt_transcript,tts_audio&type=tts_audio", id="comma-and-repeat"),
    ],
)
def test_from_query_repeated_and_comma_separated_types(query: str) -> None:
    assert EventFilter.from_query(query).event_types == {EventType.STT_TRANSCRIPT, EventType.TTS_AUDIO}


def test_from_query_splits_types_on_commas_but_not_session_or_plugin_names() -> None:
    f = EventFilter.from_query("type=stt_error,tts_error&session=a,b&session=c&plugin=x, y")
    assert f.event_types == {EventType.STT_ERROR, EventType.TTS_ERROR}
    assert f.session_ids == {"a,b", "c"}  # a name may hold a comma; repeat the parameter instead
    assert f.plugin_names == {"x, y"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("1", True, id="1"),
        pytest.param("true", True, id="true"),
        pytest.param("TRUE", True, id="TRUE"),
        pytest.param("yes", True, id="yes"),
        pytest.param("on", True, id="on"),
        pytest.param("0", False, id="0"),
        pytest.param("false", False, id="false"),
        pytest.param("False", False, id="False"),
        pytest.param("no", False, id="no"),
        pytest.param("off", False, id="off"),
        pytest.param("", False, id="empty"),
        pytest.param(" 1 ", True, id="padded"),
    ],
)
def test_from_query_errors_flag(raw: str, expected: bool) -> None:
    assert EventFilter.from_query([("errors", raw)]).errors_only is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2026-11-29T12:00:00Z", T0, id="trailing-Z"),
        pytest.param("2026-11-29T12:00:00+00:00", T0, id="utc-offset"),
        pytest.param("2026-11-29T14:00:00+02:00", T0, id="other-offset"),
        pytest.param("2026-11-29T12:00:00", T0, id="naive-is-utc"),
        pytest.param("2026-11-29", datetime(2026, 11, 29, tzinfo=UTC), id="date-only"),
        pytest.param("2026-11-29T12:00:00.250000Z", T0 + timedelta(milliseconds=250), id="fraction"),
    ],
)
def test_from_query_since_and_until_are_iso_times(raw: str, expected: datetime) -> None:
    since = EventFilter.from_query([("since", raw)]).start_time
    until = EventFilter.from_query([("until", raw)]).end_time
    assert since == expected and until == expected
    assert since is not None and since.tzinfo is UTC


def test_from_query_since_with_z_in_a_query_string() -> None:
    f = EventFilter.from_query("since=2026-11-29T12%3A00%3A00Z&until=2026-11-29T12:30:00Z")
    assert f.start_time == T0
    assert f.end_time == T0 + timedelta(minutes=30)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("type=&session=&plugin=&min_confidence=&q=&errors=&since=&until=&window_ms=", id="all"),
        pytest.param("type=,,&session=%20", id="commas-and-spaces"),
        pytest.param("", id="nothing"),
        pytest.param("?", id="question-mark"),
    ],
)
def test_from_query_empty_values_are_ignored(query: str) -> None:
    f = EventFilter.from_query(query)
    assert f.is_empty
    assert f == EventFilter()


def test_from_query_repeated_single_value_parameter_with_one_empty_is_fine() -> None:
    assert EventFilter.from_query("q=a&q=").text_contains == "a"


@pytest.mark.parametrize(
    ("query", "exc_match"),
    [
        pytest.param(
            "limit=10",
            r"^limit='10': unknown filter parameter "
            r"\(known: type, session, plugin, min_confidence, q, errors, since, until, window_ms\)$",
            id="unknown-param",
        ),
        pytest.param("types=stt_transcript", r"^types='stt_transcript': unknown filter parameter", id="typo"),
        pytest.param("type=nope", r"^type='nope': unknown event type$", id="unknown-type"),
        pytest.param("type=stt_transcript,nope", r"^type='nope': unknown event type$", id="one-bad-type"),
        pytest.param("errors=maybe", r"^errors='maybe': must be 1 or 0 \(true/false\)$", id="errors-value"),
        pytest.param("min_confidence=high", r"^min_confidence='high': must be a number$", id="conf-word"),
        pytest.param("min_confidence=1.5", r"^min_confidence=1\.5: must be in \[0, 1\]$", id="conf-range"),
        pytest.param("min_confidence=nan", r"^min_confidence=nan: must be a finite number$", id="conf-nan"),
        pytest.param("window_ms=soon", r"^window_ms='soon': must be a number$", id="window-word"),
        pytest.param("since=yesterday", r"^since='yesterday': must be an ISO-8601 time", id="since-word"),
        pytest.param("until=2026-13-01", r"^until='2026-13-01': must be an ISO-8601 time", id="until-month"),
        pytest.param("q=a&q=b", r"^q=\['a', 'b'\]: may be given once$", id="q-twice"),
        pytest.param(
            "since=2026-01-01&since=2026-01-02", r"^since=\[.*\]: may be given once$", id="since-twice"
        ),
    ],
)
def test_from_query_errors_name_the_parameter(query: str, exc_match: str) -> None:
    with pytest.raises(FilterError, match=exc_match):
        EventFilter.from_query(query)


def test_from_query_unknown_type_error_has_field_and_value() -> None:
    with pytest.raises(FilterError) as info:
        EventFilter.from_query({"type": "nope"})
    assert (info.value.field, info.value.value) == ("type", "nope")
    assert "type='nope'" in str(info.value)


def test_from_query_negative_window_names_window_ms() -> None:
    with pytest.raises(FilterError, match=r"^window_ms="):
        EventFilter.from_query("window_ms=-5")


def test_from_query_since_after_until_names_until() -> None:
    with pytest.raises(FilterError, match=r"^until=.*since"):
        EventFilter.from_query("since=2026-01-02&until=2026-01-01")


def test_from_query_allowed_extra_skips_the_callers_parameters() -> None:
    f = EventFilter.from_query("limit=10&type=stt_transcript&cursor=abc", allowed_extra=("limit", "cursor"))
    assert f.event_types == {EventType.STT_TRANSCRIPT}
    assert f == EventFilter(event_types=[EventType.STT_TRANSCRIPT])


def test_from_query_allowed_extra_does_not_allow_everything() -> None:
    with pytest.raises(FilterError, match=r"^offset='5': unknown filter parameter"):
        EventFilter.from_query("limit=10&offset=5", allowed_extra=["limit"])


def test_from_query_result_matches_like_the_constructor() -> None:
    f = EventFilter.from_query("type=stt_transcript&min_confidence=0.8&q=HELLO")
    assert f.matches(transcript("well hello", confidence=0.8))
    assert not f.matches(transcript("well hello", confidence=0.7))
    assert not f.matches(transcript("goodbye", confidence=0.9))


# ------------------------------------------------------------------------------------ to_query


def test_to_query_is_sorted_and_complete() -> None:
    f = EventFilter(
        event_types=[EventType.TTS_AUDIO, EventType.STT_TRANSCRIPT],
        session_ids=["s2", "s1"],
        plugin_names=["b", "a"],
        min_confidence=0.8,
        text_contains="Hello",
        errors_only=True,
        start_time=T0,
        end_time=T0 + timedelta(hours=1),
        time_window_ms=60000,
    )
    assert f.to_query() == [
        ("type", "stt_transcript"),
        ("type", "tts_audio"),
        ("session", "s1"),
        ("session", "s2"),
        ("plugin", "a"),
        ("plugin", "b"),
        ("min_confidence", "0.8"),
        ("q", "Hello"),
        ("errors", "1"),
        ("since", "2026-11-29T12:00:00+00:00"),
        ("until", "2026-11-29T13:00:00+00:00"),
        ("window_ms", "60000"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(0.0, "0", id="zero"),
        pytest.param(1, "1", id="one"),
        pytest.param(0.1, "0.1", id="tenth"),
        pytest.param(1 / 3, repr(1 / 3), id="third-full-precision"),
    ],
)
def test_to_query_number_format(value: float, text: str) -> None:
    assert EventFilter(min_confidence=value).to_query() == [("min_confidence", text)]


def test_to_query_of_an_empty_filter_is_empty() -> None:
    assert EventFilter().to_query() == []
    assert EventFilter(time_window_ms=0).to_query() == []


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(EventFilter(), id="empty"),
        pytest.param(EventFilter(event_types=["stt_transcript", "vad_audio"]), id="types"),
        pytest.param(EventFilter(session_ids=["s1"], plugin_names=["p1", "p2"]), id="sessions-plugins"),
        pytest.param(EventFilter(min_confidence=0.0), id="min-confidence-zero"),
        pytest.param(EventFilter(min_confidence=1 / 3), id="min-confidence-third"),
        pytest.param(EventFilter(text_contains="a&b=c?d#e%f+g h"), id="q-with-url-characters"),
        pytest.param(EventFilter(text_contains="héllo wörld ✓"), id="q-unicode"),
        pytest.param(EventFilter(errors_only=True), id="errors"),
        pytest.param(
            EventFilter(start_time=T0 + timedelta(microseconds=7), end_time=datetime(2030, 1, 1)), id="times"
        ),
        pytest.param(EventFilter(time_window_ms=1234.5), id="window"),
    ],
)
def test_to_query_round_trip(f: EventFilter) -> None:
    assert EventFilter.from_query(f.to_query()) == f
    assert EventFilter.from_query(urlencode(f.to_query())) == f
    assert EventFilter.from_query(QueryParams(urlencode(f.to_query()))) == f


def test_to_query_round_trip_session_with_a_comma() -> None:
    f = EventFilter(session_ids=["a,b"])
    assert EventFilter.from_query(f.to_query()) == f


def test_to_query_round_trip_plugin_with_a_comma() -> None:
    f = EventFilter(plugin_names=["x,y"])
    assert EventFilter.from_query(f.to_query()) == f


@pytest.mark.parametrize("needle", [" hi ", "   "], ids=["padded", "blank"])
def test_to_query_round_trip_padded_text(needle: str) -> None:
    f = EventFilter(text_contains=needle)
    assert EventFilter.from_query(f.to_query()) == f


def test_empty_session_id_is_refused_so_no_filter_can_widen_on_a_round_trip() -> None:
    with pytest.raises(FilterError, match=r"^session_ids='': names must be non-empty strings"):
        EventFilter(session_ids=[""])


def test_a_bare_string_is_not_taken_as_a_list_of_names() -> None:
    with pytest.raises(FilterError, match=r"^session_ids='abc': must be a list of names"):
        EventFilter(session_ids="abc")


def test_text_search_is_stripped_and_a_blank_one_is_no_filter() -> None:
    assert EventFilter(text_contains=" hi ").text_contains == "hi"
    assert EventFilter(text_contains="   ").text_contains is None


# --------------------------------------------------------------------- round trip (property test)

_TOKEN = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters=","), min_size=1, max_size=12
).filter(lambda s: s == s.strip() and s != "")
_LOW, _HIGH = datetime(1971, 1, 1), datetime(2100, 1, 1)
_OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
_TIMES = st.datetimes(_LOW, _HIGH) | st.datetimes(_LOW, _HIGH, timezones=st.sampled_from(_OFFSETS))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@st.composite
def filters(draw: st.DrawFn) -> EventFilter:
    start, end = draw(st.none() | _TIMES), draw(st.none() | _TIMES)
    if start is not None and end is not None and _utc(start) > _utc(end):
        start, end = end, start
    return EventFilter(
        event_types=draw(st.none() | st.lists(st.sampled_from(list(EventType)), max_size=4)),
        session_ids=draw(st.none() | st.lists(_TOKEN, max_size=3)),
        plugin_names=draw(st.none() | st.lists(_TOKEN, max_size=3)),
        time_window_ms=draw(st.none() | st.floats(min_value=0, max_value=1e12, allow_nan=False)),
        min_confidence=draw(st.none() | st.floats(min_value=0, max_value=1)),
        text_contains=draw(st.none() | _TOKEN),
        start_time=start,
        end_time=end,
        errors_only=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None)
@given(filters())
def test_from_query_of_to_query_is_the_same_filter(f: EventFilter) -> None:
    pairs = f.to_query()
    assert EventFilter.from_query(pairs) == f
    assert EventFilter.from_query(urlencode(pairs)) == f
    again = EventFilter.from_query(pairs)
    assert again.event_types == f.event_types
    assert again.session_ids == f.session_ids
    assert again.plugin_names == f.plugin_names
    assert again.min_confidence == f.min_confidence
    assert again.text_contains == f.text_contains
    assert again.start_time == f.start_time
    assert again.end_time == f.end_time
    assert again.errors_only == f.errors_only
    assert (again.time_window_ms or None) == (f.time_window_ms or None)
    assert hash(again) == hash(f)
    assert again.is_empty == f.is_empty


# ---------------------------------------------------------------------- is_empty, eq, hash, repr


@pytest.mark.parametrize(
    ("f", "empty"),
    [
        pytest.param(EventFilter(), True, id="default"),
        pytest.param(EventFilter(event_types=[], session_ids=[], plugin_names=[]), True, id="empty-lists"),
        pytest.param(EventFilter(time_window_ms=0), True, id="zero-window"),
        pytest.param(EventFilter(text_contains=""), True, id="empty-text"),
        pytest.param(EventFilter(errors_only=False), True, id="errors-false"),
        pytest.param(EventFilter(min_confidence=0.0), False, id="min-confidence-zero-is-strict"),
        pytest.param(EventFilter(event_types=["stt_error"]), False, id="type"),
        pytest.param(EventFilter(errors_only=True), False, id="errors"),
        pytest.param(EventFilter(start_time=T0), False, id="start"),
        pytest.param(EventFilter(time_window_ms=1), False, id="window"),
    ],
)
def test_is_empty(f: EventFilter, empty: bool) -> None:
    assert f.is_empty is empty


def test_equality_ignores_how_the_filter_was_spelled() -> None:
    a = EventFilter(event_types=["stt_transcript", EventType.TTS_AUDIO], session_ids=("b", "a"))
    b = EventFilter(event_types={EventType.TTS_AUDIO, EventType.STT_TRANSCRIPT}, session_ids=["a", "b", "a"])
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_equal_times_in_different_zones_are_equal_filters() -> None:
    a = EventFilter(start_time=T0)
    b = EventFilter(start_time=datetime(2026, 11, 29, 7, 0, tzinfo=timezone(timedelta(hours=-5))))
    c = EventFilter(start_time=datetime(2026, 11, 29, 12, 0))
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(EventFilter(event_types=["stt_error"]), id="type"),
        pytest.param(EventFilter(event_types=["stt_transcript"], min_confidence=0.5), id="extra-criterion"),
        pytest.param(EventFilter(event_types=["stt_transcript"], errors_only=True), id="errors"),
    ],
)
def test_different_filters_are_not_equal(other: EventFilter) -> None:
    assert EventFilter(event_types=["stt_transcript"]) != other


def test_comparison_with_other_types_is_not_equal() -> None:
    f = EventFilter()
    assert f != "EventFilter()"
    assert f != None  # noqa: E711
    assert f.__eq__(1) is NotImplemented


def test_filters_are_usable_as_dict_keys() -> None:
    cache = {EventFilter(session_ids=["s"]): 1}
    assert cache[EventFilter.from_query("session=s")] == 1


@pytest.mark.parametrize(
    ("f", "text"),
    [
        pytest.param(EventFilter(), "EventFilter()", id="empty"),
        pytest.param(
            EventFilter(event_types=["tts_audio", "stt_transcript"], min_confidence=0.8),
            "EventFilter(type='stt_transcript', type='tts_audio', min_confidence='0.8')",
            id="types-and-confidence",
        ),
        pytest.param(
            EventFilter(text_contains="it's", errors_only=True),
            "EventFilter(q=\"it's\", errors='1')",
            id="quote-and-errors",
        ),
        pytest.param(
            EventFilter(start_time=T0),
            "EventFilter(since='2026-11-29T12:00:00+00:00')",
            id="since",
        ),
    ],
)
def test_repr(f: EventFilter, text: str) -> None:
    assert repr(f) == text


def test_filters_are_slotted() -> None:
    f = EventFilter()
    assert not hasattr(f, "__dict__")
    with pytest.raises(AttributeError):
        f.limit = 10  # type: ignore[attr-defined]
