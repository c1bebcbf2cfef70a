"""VoicePipeline: source -> VAD -> streaming STT -> reply policy -> TTS -> output, one session per
conversation.

The STT hears each utterance as it is spoken: at ``speech_start`` it gets the VAD's open segment
(pre-roll included) and then every later chunk, so partial transcripts appear while the user talks
and the final one follows ``speech_end`` by a few milliseconds.

The reply is played through a :class:`Playback` at real time (as a speaker would consume it, even
into the null sink): each synthesized chunk is queued as the TTS reports it, the TTS waits when the
queue is full, and a conversation ends once its last reply has been played.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from typing import Any

from plugins_core.audio import PcmData
from plugins_core.builtin.playback import Playback
from plugins_core.events import TTSAudioEvent
from plugins_core.plugin import Plugin
from plugins_core.stt import STT
from plugins_core.tts import TTS, AudioOutput, SynthesisResult
from plugins_core.vad import VAD

__all__ = ["ConversationResult", "Turn", "VoicePipeline"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Turn:
    """One exchange: what was heard and what was said back."""

    heard: str | None
    reply: str | None
    synthesis: SynthesisResult | None = None


@dataclass(slots=True)
class ConversationResult:
    session_id: str
    turns: list[Turn] = field(default_factory=list)


class VoicePipeline:
    """``output``: a sink (or any :class:`AudioOutput`) played through a :class:`Playback` paced at real
    time (``pace_output=False``: as fast as the loop runs), or a :class:`Playback` of your own; None:
    the reply is synthesized but played nowhere."""

    def __init__(
        self,
        vad: VAD,
        stt: STT,
        tts: TTS,
        reply: Callable[[str], str],
        *,
        output: AudioOutput | Playback | None = None,
        answer_misses: bool = True,
        pace_output: bool = True,
    ) -> None:
        if not callable(getattr(stt, "end_utterance", None)):
            raise TypeError(f"stt={stt!r}: needs end_utterance() (a streaming STT such as PocketSphinxSTT)")
        self.vad = vad
        self.stt = stt
        self.tts = tts
        self.reply = reply
        self.answer_misses = answer_misses  # reply to an utterance nothing was recognised in
        self.playback: Playback | None = None
        if output is not None:
            self.playback = output if isinstance(output, Playback) else Playback(output, realtime=pace_output)
            tts.set_output(_WaitForSpace(self.playback))
            tts.on("audio", self._play)
        self.on_turn: list[Callable[[str, Turn], Any]] = []

    @property
    def plugins(self) -> list[Plugin]:
        return [self.vad, self.stt, self.tts]

    def begin_session(self, session_id: str | None = None) -> str:
        """A new conversation: every plugin's events now carry this session id."""
        session = session_id or f"conv-{uuid.uuid4().hex[:12]}"
        for plugin in self.plugins:
            plugin.session_id = session
        return session

    async def run_conversation(
        self,
        source: AsyncIterable[PcmData],
        *,
        session_id: str | None = None,
        user: dict[str, Any] | None = None,
    ) -> ConversationResult:
        """Listen to ``source`` until it ends, answering each utterance; returns the turns."""
        result = ConversationResult(self.begin_session(session_id))
        await self.vad.reset()
        async for chunk in source:
            await self.feed(chunk, user, result)
        was_active = self.vad.is_speech_active
        await self.vad.flush(user)
        if was_active:
            await self._answer(user, result)
        if self.playback is not None:
            await self.playback.drain()  # the conversation lasts until its last reply was heard
        return result

    async def feed(self, chunk: PcmData, user: dict[str, Any] | None, result: ConversationResult) -> None:
        """One chunk through VAD, and into the STT while speech is active."""
        stt: Any = self.stt
        was_active = self.vad.is_speech_active
        await self.vad.process_audio(chunk, user)
        active = self.vad.is_speech_active
        if active and not was_active:
            await stt.process_audio(self.vad.pending_audio(), user)
        elif active:
            await stt.process_audio(chunk, user)
        elif was_active:
            await stt.process_audio(chunk, user)
            await self._answer(user, result)

    async def _answer(self, user: dict[str, Any] | None, result: ConversationResult) -> None:
        stt: Any = self.stt
        final = await stt.end_utterance(user)
        heard = getattr(final, "text", None)
        if not heard and not self.answer_misses:
            result.turns.append(Turn(None, None))
            return
        text = self.reply(heard or "")  # a miss gets the policy's fallback ("Sorry, ...")
        synthesis = await self.tts.send(text, user)
        turn = Turn(heard, text, synthesis)
        result.turns.append(turn)
        for callback in self.on_turn:
            callback(result.session_id, turn)

    def _play(self, event: TTSAudioEvent) -> None:
        """Queue each chunk as the TTS reports it, labelled with its synthesis (never waits)."""
        if event.audio_data and self.playback is not None:
            pcm = PcmData.from_bytes(event.audio_data, event.sample_rate, event.audio_format, event.channels)
            self.playback.submit(pcm, label=event.synthesis_id, context=event.user_metadata)

    async def close(self) -> None:
        for plugin in self.plugins:
            await plugin.close()
        if self.playback is not None:
            await self.playback.close()


class _WaitForSpace:
    """The TTS's output: it takes no audio (chunks go to the playback from the TTS's events, with their
    synthesis id) but holds the TTS back while the playback queue is full."""

    def __init__(self, playback: Playback) -> None:
        self.playback = playback

    async def write(self, pcm: PcmData) -> None:
        await self.playback.wait_for_space()
