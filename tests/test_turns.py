"""plugins_core.turns: turns read from a session's events, and a latency waterfall that adds up.

Events are built here with chosen timestamps, so that every part can be checked to the microsecond.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plugins_core.events import (
    BaseEvent,
    PluginClosedEvent,
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSDisconnectedEvent,
    STSResponseEvent,
    STSTranscriptEvent,
    STTErrorEvent,
    STTPartialTranscriptEvent,
    STTTranscriptEvent,
    TTSAudioEvent,
    TTSSynthesisCompleteEvent,
    TTSSynthesisStartEvent,
    VADAudioEvent,
    VADSpeechEndEvent,
    VADSpeechStartEvent,
)
from plugins_core.turns import PART_NAMES, TurnAnalysis, TurnTracker, analyze_turns

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SESSION = "call-1"
CHUNK = b"\0\0" * 2205  # 100 ms at 22,050 Hz


def at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def ident(ms: float, plugin: str) -> dict[str, Any]:
    return {"session_id": SESSION, "timestamp": at(ms), "plugin_name": plugin}


def user_turn(
    start: float, speech_ms: float, end: float, *, heard: str | None = "hello world", partials: int = 2
) -> list[BaseEvent]:
    """VAD speech start at ``start`` ms, speech of ``speech_ms`` after it, VAD decision at ``end``;
    partials while speaking; the final transcript (or, with ``heard=None``, a recognition miss) 5 ms after."""
    events: list[BaseEvent] = [VADSpeechStartEvent(**ident(start, "vad"), speech_probability=0.9)]
    for k in range(partials):
        events.append(
            STTPartialTranscriptEvent(
                **ident(start + 100 * (k + 1), "stt"), text=["hello", "hello world"][k % 2]
            )
        )
    events.append(VADAudioEvent(**ident(end, "vad"), audio_data=b"\0\0" * 160, duration_ms=10))
    events.append(STSAudioInputEvent(**ident(end, "sts"), audio_data=b"\0\0" * 160))
    events.append(VADSpeechEndEvent(**ident(end, "vad"), total_speech_duration_ms=speech_ms))
    if heard is None:
        events.append(
            STTErrorEvent(
                **ident(end + 5, "stt"), error=RuntimeError("no grammar match"), error_code="no_match"
            )
        )
    else:
        final = STTTranscriptEvent(**ident(end + 5, "stt"), text=heard, confidence=0.9)
        events.append(final)
        events.append(
            STSTranscriptEvent(**ident(end + 5, "sts"), text=heard, conversation_item_id=final.event_id)
        )
    return events


def agent_turn(
    start: float, first_chunk: float, played: float | None, *, text: str = "Hi!", chunks: int = 3
) -> list[BaseEvent]:
    """Synthesis start at ``start``, chunks from ``first_chunk`` (1 ms apart), playback from ``played``
    (chunk after chunk, 100 ms each) unless None."""
    begin = TTSSynthesisStartEvent(**ident(start, "tts"), text=text)
    sid = begin.synthesis_id
    events: list[BaseEvent] = [
        begin,
        STSResponseEvent(**ident(start, "sts"), text=text, response_id=sid, conversation_item_id=sid),
    ]
    for k in range(chunks):
        events.append(
            TTSAudioEvent(
                **ident(first_chunk + k, "tts"),
                audio_data=CHUNK,
                sample_rate=22050,
                synthesis_id=sid,
                chunk_index=k,
                is_final_chunk=k == chunks - 1,
            )
        )
    events.append(
        TTSSynthesisCompleteEvent(
            **ident(first_chunk + chunks, "tts"), synthesis_id=sid, audio_duration_ms=100.0 * chunks
        )
    )
    if played is not None:
        for k in range(chunks):
            events.append(
                STSAudioOutputEvent(
                    **ident(played + 100 * k, "sts"), audio_data=CHUNK, sample_rate=22050, response_id=sid
                )
            )
    return events


def conversation(*turns: Sequence[BaseEvent], end: float | None = None) -> list[BaseEvent]:
    events: list[BaseEvent] = [STSConnectedEvent(**ident(0, "sts"))]
    for turn in turns:
        events.extend(turn)
    if end is not None:
        events.append(STSDisconnectedEvent(**ident(end, "sts")))
    return events


def parts(turn: TurnAnalysis) -> dict[str, int]:
    assert turn.latency is not None
    return {part.name: part.us for part in turn.latency.parts}


def assert_adds_up(turn: TurnAnalysis) -> None:
    latency = turn.latency
    assert latency is not None
    assert [part.name for part in latency.parts] == list(PART_NAMES)
    assert all(part.us >= 0 for part in latency.parts)
    assert sum(part.us for part in latency.parts) == latency.total_us >= 0
    assert latency.end - latency.start == timedelta(microseconds=latency.total_us)


# ------------------------------------------------------------------------------------------ one turn


def test_an_answered_turn_splits_its_latency_from_the_true_end_of_speech_exactly() -> None:
    # speech starts at 1000 ms and lasts 1200 ms after it: it truly ends at 2200; the VAD waits 300 ms
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5), end=5000)
    (turn,) = analyze_turns(events)

    assert (turn.index, turn.status, turn.in_progress, turn.session_id) == (0, "ok", False, SESSION)
    assert turn.user.span is not None
    assert (turn.user.span.start, turn.user.span.end) == (at(1000), at(2200))
    assert turn.user.decided_at == at(2500) and turn.user.speech_ms == 1200
    assert turn.transcript.text == "hello world" and turn.transcript.at == at(2505)
    assert turn.transcript.partial_count == 2 and turn.transcript.last_partial == "hello world"
    assert turn.agent.text == "Hi!" and turn.agent.playback_reported
    assert turn.agent.first_chunk_at == at(2540) and turn.agent.first_audio_out_at == at(2541.5)
    assert turn.agent.speaking is not None
    assert (turn.agent.speaking.start, turn.agent.speaking.end) == (at(2541.5), at(2841.5))
    assert turn.agent.audio_ms == 300.0 and turn.agent.syntheses == 1
    assert parts(turn) == {
        "endpointing": 300_000,
        "transcription": 5_000,
        "response": 5_000,
        "synthesis": 30_000,
        "output": 1_500,
        "unattributed": 0,
    }
    assert turn.latency is not None and turn.latency.total_us == 341_500 and turn.latency.total_ms == 341.5
    assert [part.start_us for part in turn.latency.parts[:5]] == [0, 300_000, 305_000, 310_000, 340_000]
    assert turn.latency.notes == () and turn.notes == ()
    assert_adds_up(turn)


def test_every_key_event_of_a_turn_is_named_by_id() -> None:
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5), end=5000)
    (turn,) = analyze_turns(events)
    by_type: dict[str, list[str]] = {}
    for event in events:
        by_type.setdefault(event.event_type.value, []).append(event.event_id)
    assert turn.event_ids == {
        "speech_start": by_type["vad_speech_start"][0],
        "speech_end": by_type["vad_speech_end"][0],
        "segment": by_type["vad_audio"][0],
        "audio_input": by_type["sts_audio_input"][0],
        "transcript": by_type["stt_transcript"][0],
        "sts_transcript": by_type["sts_transcript"][0],
        "synthesis_start": by_type["tts_synthesis_start"][0],
        "response": by_type["sts_response"][0],
        "first_chunk": by_type["tts_audio"][0],
        "first_audio_out": by_type["sts_audio_output"][0],
        "synthesis_complete": by_type["tts_synthesis_complete"][0],
    }
    assert turn.transcript.partial_ids == tuple(by_type["stt_partial_transcript"])


def test_the_analysis_is_json_ready() -> None:
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5), end=5000)
    (turn,) = analyze_turns(events)
    data = json.loads(json.dumps(turn.as_dict()))
    assert data["status"] == "ok" and data["index"] == 0
    assert data["user"]["span"] == {
        "start": at(1000).isoformat(),
        "end": at(2200).isoformat(),
        "duration_ms": 1200.0,
    }
    assert data["latency"]["total_ms"] == 341.5
    assert [(p["name"], p["label"], p["ms"]) for p in data["latency"]["parts"]] == [
        ("endpointing", "endpointing wait", 300.0),
        ("transcription", "transcription", 5.0),
        ("response", "response", 5.0),
        ("synthesis", "synthesis to first chunk", 30.0),
        ("output", "output", 1.5),
        ("unattributed", "unattributed", 0.0),
    ]
    assert data["agent"]["speaking"]["duration_ms"] == 300.0
    assert data["transcript"]["text"] == "hello world" and len(data["transcript"]["partial_ids"]) == 2


# ---------------------------------------------------------------------------------- failed, incomplete


def test_a_recognition_miss_is_a_failed_turn_with_what_was_heard_and_the_failing_audio() -> None:
    user = user_turn(1000, 1500, 2800, heard=None, partials=3)
    events = conversation(user, agent_turn(2810, 2830, 2831, text="Sorry, I did not catch that."), end=6000)
    (turn,) = analyze_turns(events)
    segment = next(e for e in user if isinstance(e, VADAudioEvent))
    miss = next(e for e in user if isinstance(e, STTErrorEvent))

    assert turn.status == "failed" and turn.error_count == 1 and turn.transcript.text is None
    error = turn.error
    assert error is not None
    assert (error.event_id, error.code, error.message) == (miss.event_id, "no_match", "no grammar match")
    assert error.heard == "hello" and error.audio_event_id == segment.event_id
    assert turn.event_ids["error"] == miss.event_id and "transcript" not in turn.event_ids
    assert turn.agent.text == "Sorry, I did not catch that."
    # the recognizer's verdict (the error) ends the transcription part; the waterfall is still shown
    assert parts(turn)["transcription"] == 5_000 and parts(turn)["unattributed"] == 0
    assert_adds_up(turn)


def test_a_turn_the_session_ended_before_the_agent_spoke_is_incomplete() -> None:
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, None), end=2600)
    (turn,) = analyze_turns(events)
    assert turn.status == "incomplete" and turn.latency is None and not turn.in_progress
    assert turn.agent.first_audio_out_at is None and turn.agent.speaking is None
    assert turn.transcript.text == "hello world"


def test_an_open_turn_is_shown_in_progress_until_it_completes() -> None:
    tracker = TurnTracker()
    events = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5))
    assert tracker.current() is None
    closed = [tracker.observe(event) for event in events[:3]]
    assert closed == [None, None, None]
    now = tracker.current()
    assert now is not None and now.in_progress and now.status == "incomplete" and now.latency is None
    for event in events[3:]:
        assert tracker.observe(event) is None
    now = tracker.current()
    assert now is not None and now.in_progress and now.status == "ok" and now.latency is not None
    done = tracker.observe(STSDisconnectedEvent(**ident(5000, "sts")))
    assert done is not None and not done.in_progress and done.status == "ok"
    assert tracker.current() is None and tracker.finish() is None


def test_speech_with_nothing_recognized_and_no_error_is_a_failed_turn() -> None:
    user = [
        e for e in user_turn(1000, 1200, 2500) if not isinstance(e, STTTranscriptEvent | STSTranscriptEvent)
    ]
    (turn,) = analyze_turns(conversation(user, agent_turn(2510, 2540, 2541), end=5000))
    assert turn.status == "failed" and turn.error is None
    assert "nothing was recognized in the user's speech" in turn.notes


# ------------------------------------------------------------------------- skew and missing events


def test_a_transcript_stamped_before_the_vad_decision_shows_as_zero_with_the_reason() -> None:
    user = user_turn(1000, 1200, 2500)
    for event in user:
        if isinstance(event, STTTranscriptEvent):
            event.timestamp = at(2480)  # the recognizer finished 20 ms before the VAD decided
    (turn,) = analyze_turns(conversation(user, agent_turn(2510, 2540, 2541.5), end=5000))
    assert turn.latency is not None
    transcription = turn.latency.part("transcription")
    assert transcription.us == 0
    assert (
        transcription.note
        == "final transcript stamped 20.0 ms before VAD speech end (out of order or clock skew): shown as 0"
    )
    assert parts(turn)["endpointing"] == 300_000 and parts(turn)["response"] == 10_000
    assert turn.latency.total_us == 341_500
    assert_adds_up(turn)


def test_audio_out_stamped_before_the_speech_ended_gives_a_zero_total_with_the_reason() -> None:
    (turn,) = analyze_turns(conversation(user_turn(1000, 1200, 2500), agent_turn(2100, 2120, 2150), end=5000))
    assert turn.latency is not None and turn.latency.total_us == 0
    assert all(part.us == 0 for part in turn.latency.parts)
    assert any("before the user's speech ended" in note for note in turn.latency.notes)


def test_a_missing_transcript_leaves_its_time_unattributed_and_says_so() -> None:
    user = [
        e for e in user_turn(1000, 1200, 2500) if not isinstance(e, STTTranscriptEvent | STSTranscriptEvent)
    ]
    (turn,) = analyze_turns(conversation(user, agent_turn(2560, 2590, 2600), end=5000))
    assert parts(turn) == {
        "endpointing": 300_000,
        "transcription": 0,
        "response": 0,
        "synthesis": 30_000,
        "output": 10_000,
        "unattributed": 60_000,
    }
    assert turn.latency is not None and turn.latency.part("unattributed").start_us == 300_000
    assert "not seen: final transcript; the time across it is unattributed" in turn.latency.notes
    assert_adds_up(turn)


def test_speech_longer_than_the_time_to_the_vad_decision_is_capped_at_the_decision() -> None:
    # a file fed faster than real time: 1.2 s of speech, but the decision came 200 ms after the start
    (turn,) = analyze_turns(conversation(user_turn(1000, 1200, 1200), agent_turn(1210, 1220, 1221), end=3000))
    assert turn.user.span is not None and turn.user.span.end == at(1200)
    assert parts(turn)["endpointing"] == 0
    assert any("not processed in real time" in note for note in turn.notes)
    assert_adds_up(turn)


def test_without_playback_reports_the_first_synthesized_chunk_is_the_audio_out() -> None:
    events = [e for e in user_turn(1000, 1200, 2500) if not e.event_type.value.startswith("sts_")]
    events += [e for e in agent_turn(2510, 2540, None) if not e.event_type.value.startswith("sts_")]
    (turn,) = analyze_turns(events)
    assert turn.status == "ok" and not turn.agent.playback_reported
    assert turn.agent.first_audio_out_at == at(2540) == turn.agent.first_chunk_at
    assert parts(turn)["output"] == 0 and parts(turn)["synthesis"] == 30_000
    assert turn.agent.speaking is not None and turn.agent.speaking.duration_ms == 300.0
    assert any("playback not reported" in note for note in turn.notes)


def test_the_waterfall_always_adds_up_whatever_is_missing_or_out_of_order() -> None:
    rng = random.Random(8)
    checked = 0
    for _ in range(400):
        events = conversation(user_turn(1000, rng.uniform(0, 3000), 2500), agent_turn(2510, 2540, 2541.5))
        keep = [event for event in events if rng.random() > 0.15]
        for event in keep:
            event.timestamp = at(rng.uniform(0, 4000)) if rng.random() < 0.2 else event.timestamp
        for turn in analyze_turns(keep):
            if turn.latency is not None:
                assert_adds_up(turn)
                checked += 1
    assert checked > 100


# ----------------------------------------------------------------------------------------- sessions


def test_several_turns_follow_each_other_and_late_playback_of_a_reply_stays_with_its_turn() -> None:
    first_reply = agent_turn(2510, 2540, 2541.5, chunks=20)  # 2 s of playback, until 4541.5
    late: list[BaseEvent] = [
        e for e in first_reply if isinstance(e, STSAudioOutputEvent) and e.timestamp > at(4000)
    ]
    early = [e for e in first_reply if e not in late]
    second = user_turn(3900, 800, 5000, heard="goodbye")  # the user speaks over the end of the reply
    events = conversation(
        user_turn(1000, 1200, 2500),
        early,
        second[:1],
        late,
        second[1:],
        agent_turn(5010, 5030, 5031),
        end=8000,
    )
    turns = analyze_turns(events)
    assert [(t.index, t.status, t.transcript.text) for t in turns] == [
        (0, "ok", "hello world"),
        (1, "ok", "goodbye"),
    ]
    assert turns[1].agent.first_audio_out_at == at(5031), "the first reply's playback is not the second's"
    assert turns[1].user.span is not None and turns[1].user.span.end == at(4700)


def test_the_tracker_hands_back_each_turn_as_the_next_one_starts_and_restores_from_its_state() -> None:
    events = conversation(
        user_turn(1000, 1200, 2500),
        agent_turn(2510, 2540, 2541.5),
        user_turn(4000, 900, 5200, heard=None),
        agent_turn(5210, 5230, 5231),
        user_turn(7000, 700, 8000, heard="goodbye"),
        agent_turn(8010, 8030, 8031),
        end=9000,
    )
    whole = analyze_turns(events)
    assert [t.status for t in whole] == ["ok", "failed", "ok"]

    tracker = TurnTracker()
    got: list[TurnAnalysis] = []
    for k, event in enumerate(events):
        if k % 7 == 3:  # a store keeps the tracker's state between batches, as JSON
            tracker = TurnTracker.from_state(json.loads(json.dumps(tracker.to_state())))
        done = tracker.observe(event)
        if done is not None:
            got.append(done)
    assert got == whole
    assert tracker.turns_started == 3


def test_state_with_unknown_fields_is_refused() -> None:
    state = TurnTracker().to_state()
    state["turn"] = {"index": 0, "colour": "red"}
    with pytest.raises(ValueError, match="colour"):
        TurnTracker.from_state(state)


def test_events_of_several_sessions_are_told_apart() -> None:
    one = conversation(user_turn(1000, 1200, 2500), agent_turn(2510, 2540, 2541.5), end=5000)
    other = conversation(user_turn(1000, 1000, 2300, heard="goodbye"), agent_turn(2310, 2330, 2331), end=5000)
    for event in other:
        event.session_id = "call-2"
    mixed = (
        [event for pair in zip(one, other, strict=False) for event in pair]
        + one[len(other) :]
        + other[len(one) :]
    )
    turns = analyze_turns(mixed)
    assert [(t.session_id, t.transcript.text) for t in turns] == [
        (SESSION, "hello world"),
        ("call-2", "goodbye"),
    ]


def test_events_outside_any_turn_make_no_turn() -> None:
    events = [
        STSConnectedEvent(**ident(0, "sts")),
        PluginClosedEvent(**ident(1, "vad")),
        STSDisconnectedEvent(**ident(2, "sts")),
    ]
    assert analyze_turns(events) == []
    assert analyze_turns([STTErrorEvent(**ident(5, "stt"), error=RuntimeError("boom"))]) == []
