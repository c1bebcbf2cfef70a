"""describe_event: the one line every view shows for an event."""

from __future__ import annotations

import pytest

from plugins_core import (
    EVENT_CLASS_MAP,
    EventDescription,
    STSConversationItemEvent,
    STTErrorEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
    describe_event,
    format_duration_ms,
)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "-"),
        (0.25, "0.25 ms"),
        (640.4, "640 ms"),
        (1240.0, "1.24 s"),
        (12_345.0, "12.3 s"),
        (123_000.0, "2m 03s"),
        (3_900_000.0, "1h 05m"),
    ],
)
def test_format_duration_ms(ms: float | None, text: str) -> None:
    assert format_duration_ms(ms) == text


def test_transcripts_are_quoted_with_their_confidence() -> None:
    found = describe_event(STTTranscriptEvent(text="open the pod bay doors", confidence=0.91))
    assert found == EventDescription("“open the pod bay doors”", quiet=False, confidence=0.91)


def test_errors_say_the_message_and_the_context() -> None:
    found = describe_event(STTErrorEvent(error=ValueError("no match"), context="grammar"))
    assert found == EventDescription("no match (grammar)", quiet=False)
    assert describe_event(STTErrorEvent()).text == "Unknown error"


@pytest.mark.parametrize(
    ("event", "text"),
    [
        (VADSpeechStartEvent(speech_probability=0.931), "speech started · p=0.93"),
        (VADSpeechEndEvent(total_speech_duration_ms=1520.68), "speech ended after 1.52 s"),
        (VADAudioEvent(audio_data=b"\0\0" * 160, duration_ms=10.0), "10 ms of speech"),
        (
            TTSAudioEvent(audio_data=b"\0\0" * 1600, sample_rate=16000, chunk_index=2, is_final_chunk=True),
            "chunk 2 (final) · 100 ms",
        ),
        (
            TTSSynthesisCompleteEvent(synthesis_time_ms=12.0, audio_duration_ms=1500.0),
            "12 ms to synthesize 1.50 s",
        ),
        (
            STSConversationItemEvent(role="user", item_type="message", status="completed"),
            "user · message · completed",
        ),
    ],
)
def test_other_events_get_a_quiet_line(event: object, text: str) -> None:
    found = describe_event(event)  # type: ignore[arg-type]
    assert found.text == text
    assert found.quiet


@pytest.mark.parametrize("event_type", list(EVENT_CLASS_MAP))
def test_every_event_type_is_described_without_error(event_type: object) -> None:
    cls = EVENT_CLASS_MAP[event_type]  # type: ignore[index]
    event = cls(text="hi") if cls is STTTranscriptEvent else cls()  # type: ignore[call-arg]
    assert isinstance(describe_event(event).text, str)
