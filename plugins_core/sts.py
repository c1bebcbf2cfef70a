"""STS: the speech-to-speech (realtime conversation) plugin base class.

Providers call the ``_emit_*`` helpers as their service reports connection changes, audio in and
out, transcripts, responses and conversation items. Upstream's helpers passed fields that the STS
events do not have (``plugin_type``, ``provider``) and so raised TypeError on first use; each
helper here builds a valid event.

Events: ``initialized``, ``connected``, ``disconnected``, ``audio_input``, ``audio_output``,
``transcript``, ``response``, ``conversation_item``, ``error``, ``closed``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from plugins_core.events import (
    STSAudioInputEvent,
    STSAudioOutputEvent,
    STSConnectedEvent,
    STSConversationItemEvent,
    STSDisconnectedEvent,
    STSErrorEvent,
    STSResponseEvent,
    STSTranscriptEvent,
)
from plugins_core.plugin import Plugin
from plugins_core.registry import EventRegistry

__all__ = ["STS"]

AudioPayload = bytes | np.ndarray[Any, Any]


class STS(Plugin):
    plugin_type = "STS"

    def __init__(
        self,
        *,
        provider_name: str | None = None,
        model: str | None = None,
        instructions: str | None = None,
        temperature: float | None = None,
        voice: str | None = None,
        provider_config: dict[str, Any] | None = None,
        response_modalities: list[str] | None = None,
        tools: list[dict[str, Any]] | None = None,
        plugin_version: str | None = None,
        session_id: str | None = None,
        registry: EventRegistry | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.model = model
        self.instructions = instructions
        self.temperature = temperature
        self.voice = voice
        self.provider_config = provider_config
        self.response_modalities = response_modalities
        self.tools = tools
        self._is_connected = False
        super().__init__(
            provider_name=provider_name,
            plugin_version=plugin_version,
            session_id=session_id,
            registry=registry,
            loop=loop,
            configuration={"model": model, "voice": voice, "response_modalities": response_modalities},
        )

    @property
    def is_connected(self) -> bool:
        return self._is_connected

    def _emit_connected_event(
        self, session_config: dict[str, Any] | None = None, capabilities: list[str] | None = None
    ) -> STSConnectedEvent:
        self._is_connected = True
        event = STSConnectedEvent(
            **self._identity(None),
            provider=self.provider_name,
            session_config=session_config,
            capabilities=capabilities,
        )
        self._emit("connected", event, legacy=())
        return event

    def _emit_disconnected_event(
        self, reason: str | None = None, was_clean: bool = True
    ) -> STSDisconnectedEvent:
        self._is_connected = False
        event = STSDisconnectedEvent(
            **self._identity(None), provider=self.provider_name, reason=reason, was_clean=was_clean
        )
        self._emit("disconnected", event, legacy=())
        return event

    def _emit_audio_input_event(
        self, audio_data: AudioPayload, sample_rate: int = 16000, user_metadata: dict[str, Any] | None = None
    ) -> STSAudioInputEvent:
        event = STSAudioInputEvent(
            **self._identity(user_metadata),
            audio_data=audio_data,  # type: ignore[arg-type]  # arrays become bytes in the event
            sample_rate=sample_rate,
        )
        self._emit("audio_input", event)
        return event

    def _emit_audio_output_event(
        self,
        audio_data: AudioPayload,
        sample_rate: int = 16000,
        response_id: str | None = None,
        user_metadata: dict[str, Any] | None = None,
    ) -> STSAudioOutputEvent:
        event = STSAudioOutputEvent(
            **self._identity(user_metadata),
            audio_data=audio_data,  # type: ignore[arg-type]  # arrays become bytes in the event
            sample_rate=sample_rate,
            response_id=response_id,
        )
        self._emit("audio_output", event)
        return event

    def _emit_transcript_event(
        self,
        text: str,
        is_user: bool = True,
        confidence: float | None = None,
        conversation_item_id: str | None = None,
        user_metadata: dict[str, Any] | None = None,
    ) -> STSTranscriptEvent:
        event = STSTranscriptEvent(
            **self._identity(user_metadata),
            text=text,
            is_user=is_user,
            confidence=confidence,
            conversation_item_id=conversation_item_id,
        )
        self._emit("transcript", event)
        return event

    def _emit_response_event(
        self,
        text: str,
        response_id: str | None = None,
        is_complete: bool = True,
        conversation_item_id: str | None = None,
        user_metadata: dict[str, Any] | None = None,
    ) -> STSResponseEvent:
        ids: dict[str, Any] = (
            {"response_id": response_id} if response_id is not None else {}
        )  # keep uuid default
        event = STSResponseEvent(
            **self._identity(user_metadata),
            text=text,
            is_complete=is_complete,
            conversation_item_id=conversation_item_id,
            **ids,
        )
        self._emit("response", event)
        return event

    def _emit_conversation_item_event(
        self,
        item_id: str,
        item_type: str,
        status: str,
        role: str,
        content: list[dict[str, Any]] | None = None,
        user_metadata: dict[str, Any] | None = None,
    ) -> STSConversationItemEvent:
        event = STSConversationItemEvent(
            **self._identity(user_metadata),
            item_id=item_id,
            item_type=item_type,
            status=status,
            role=role,
            content=content,
        )
        self._emit("conversation_item", event)
        return event

    def _emit_error_event(
        self, error: BaseException, context: str = "", user_metadata: dict[str, Any] | None = None
    ) -> STSErrorEvent:
        return self._emit_error(STSErrorEvent, error, context, user_metadata)

    async def close(self) -> None:
        if not self._is_closed and self._is_connected:
            self._emit_disconnected_event("service_closed", True)
        await super().close()
