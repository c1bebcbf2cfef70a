"""ConversationSTS: a speech-to-speech plugin composed of the built-in parts (hear with a VAD,
transcribe with PocketSphinx, answer from a script, speak with eSpeak NG), reporting the
conversation as STS events: connected, audio_input (each user utterance), transcript, response,
conversation_item, audio_output (each spoken chunk, as it is played), disconnected.

``audio_output`` is emitted when the pipeline's playback starts a chunk (when the user hears it), not
when the TTS made it; a pipeline with no output reports each chunk as it is synthesized instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

from plugins_core.audio import PcmData
from plugins_core.builtin.pipeline import ConversationResult, VoicePipeline
from plugins_core.builtin.playback import PlayedChunk
from plugins_core.events import STTTranscriptEvent, TTSAudioEvent, TTSSynthesisStartEvent, VADAudioEvent
from plugins_core.sts import STS

__all__ = ["ConversationSTS"]


class ConversationSTS(STS):
    def __init__(
        self, pipeline: VoicePipeline, *, provider_name: str = "conversation-sts", **kwargs: Any
    ) -> None:
        self.pipeline = pipeline
        super().__init__(
            provider_name=provider_name,
            model=f"{pipeline.stt.provider_name}+{pipeline.tts.provider_name}",
            voice=pipeline.tts.voice_id,
            response_modalities=["audio", "text"],
            **kwargs,
        )
        pipeline.vad.on("audio", self._on_user_audio)
        pipeline.stt.on("transcript", self._on_user_transcript)
        pipeline.tts.on("synthesis_start", self._on_response)
        if pipeline.playback is not None:
            pipeline.playback.add_listener(self._on_played)
        else:
            pipeline.tts.on("audio", self._on_speech)

    async def converse(
        self,
        source: AsyncIterable[PcmData],
        *,
        session_id: str | None = None,
        user: dict[str, Any] | None = None,
    ) -> ConversationResult:
        """One conversation (its own session) from connect to disconnect."""
        session = self.pipeline.begin_session(session_id)
        self.session_id = session
        self._emit_connected_event(
            session_config={"session_id": session, "sample_rate": self.pipeline.vad.sample_rate},
            capabilities=["audio_input", "audio_output", "transcripts"],
        )
        try:
            return await self.pipeline.run_conversation(source, session_id=session, user=user)
        except Exception as exc:
            self._emit_error_event(exc, "conversation", user)
            raise
        finally:
            self._emit_disconnected_event("conversation ended", was_clean=True)

    def _on_user_audio(self, event: VADAudioEvent) -> None:
        if event.audio_data:
            self._emit_audio_input_event(event.audio_data, event.sample_rate, event.user_metadata)

    def _on_user_transcript(self, event: STTTranscriptEvent) -> None:
        self._emit_transcript_event(
            event.text,
            is_user=True,
            confidence=event.confidence,
            conversation_item_id=event.event_id,
            user_metadata=event.user_metadata,
        )
        self._emit_conversation_item_event(
            event.event_id,
            "message",
            "completed",
            "user",
            [{"type": "input_audio", "transcript": event.text}],
            event.user_metadata,
        )

    def _on_response(self, event: TTSSynthesisStartEvent) -> None:
        self._emit_response_event(
            event.text or "",
            response_id=event.synthesis_id,
            conversation_item_id=event.synthesis_id,
            user_metadata=event.user_metadata,
        )
        self._emit_conversation_item_event(
            event.synthesis_id,
            "message",
            "completed",
            "assistant",
            [{"type": "text", "text": event.text or ""}],
            event.user_metadata,
        )

    def _on_played(self, chunk: PlayedChunk) -> None:
        self._emit_audio_output_event(
            chunk.pcm.to_bytes(), chunk.pcm.sample_rate, response_id=chunk.label, user_metadata=chunk.context
        )

    def _on_speech(self, event: TTSAudioEvent) -> None:
        if event.audio_data:
            self._emit_audio_output_event(
                event.audio_data,
                event.sample_rate,
                response_id=event.synthesis_id,
                user_metadata=event.user_metadata,
            )

    async def close(self) -> None:
        await self.pipeline.close()
        await super().close()
