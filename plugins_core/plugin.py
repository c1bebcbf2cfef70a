"""Plugin: what STT, TTS, VAD and STS share: identity, registration, lifecycle and error events.

Every event a plugin emits is stamped with its session id, plugin name and version and the user
metadata, registered once in its registry (the global one unless it was given another), and then
delivered to the plugin's handlers under its short name (``transcript``, ``audio``...), followed by
the ``<name>_legacy`` positional form for handlers written against the old API.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, ClassVar, TypeVar

from plugins_core.emitter import EventEmitter
from plugins_core.events import BaseEvent, PluginClosedEvent, PluginInitializedEvent
from plugins_core.registry import EventRegistry, get_global_registry

__all__ = ["Plugin"]

E = TypeVar("E", bound=BaseEvent)

logger = logging.getLogger(__name__)


class Plugin(EventEmitter):
    """Base of the four plugin kinds; subclasses set ``plugin_type`` and build their own events."""

    plugin_type: ClassVar[str] = "PLUGIN"
    error_event_name: ClassVar[str] = "error"

    def __init__(
        self,
        *,
        provider_name: str | None = None,
        plugin_version: str | None = None,
        session_id: str | None = None,
        registry: EventRegistry | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        configuration: dict[str, Any] | None = None,
        capabilities: list[str] | None = None,
    ) -> None:
        super().__init__(loop=loop)
        self.provider_name = provider_name or type(self).__name__
        self.plugin_version = plugin_version
        self.session_id = session_id or str(uuid.uuid4())
        self._registry = registry
        self._is_closed = False
        self._emit(
            "initialized",
            PluginInitializedEvent(
                **self._identity(None),
                plugin_type=self.plugin_type,
                provider=self.provider_name,
                configuration=configuration,
                capabilities=capabilities,
            ),
            sticky=True,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider_name={self.provider_name!r}, session_id={self.session_id!r})"

    @property
    def registry(self) -> EventRegistry:
        """Where this plugin's events go: the one given, else the current global registry."""
        return self._registry if self._registry is not None else get_global_registry()

    @property
    def is_closed(self) -> bool:
        return self._is_closed

    def _identity(self, user_metadata: dict[str, Any] | None) -> dict[str, Any]:
        """The fields that tie an event to this plugin and conversation."""
        return {
            "session_id": self.session_id,
            "plugin_name": self.provider_name,
            "plugin_version": self.plugin_version,
            "user_metadata": user_metadata,
        }

    def _emit(
        self, name: str, event: BaseEvent, *, legacy: tuple[Any, ...] | None = None, sticky: bool = False
    ) -> BaseEvent:
        """Register the event, deliver it as ``name``, then ``<name>_legacy`` with the old positional
        payload ``legacy`` when a handler listens for it."""
        self.registry.register_event(event)
        delivered = self.emit(name, event, sticky=sticky)
        if legacy is not None and self.has_listeners(f"{name}_legacy"):
            self.emit(f"{name}_legacy", *legacy)
        if name == self.error_event_name and not delivered:
            # upstream raised from inside the emitter here; an unheard error is logged instead. An
            # exception may declare a calmer ``log_level`` (a recognizer's "no match" is an outcome,
            # not a fault worth a traceback).
            error = getattr(event, "error", None)
            level = getattr(error, "log_level", logging.ERROR)
            logger.log(
                level,
                "%s: %s with no 'error' handler (%s); registered as %s",
                self,
                event.event_type.value,
                getattr(event, "context", None) or "no context",
                event.event_id,
                exc_info=error if isinstance(error, BaseException) and level >= logging.ERROR else None,
            )
        return event

    def _emit_error(
        self,
        event_cls: type[E],
        error: BaseException,
        context: str,
        user_metadata: dict[str, Any] | None,
        **fields: Any,
    ) -> E:
        """Build this plugin kind's error event (its code from ``error.error_code``, recoverable unless
        the process is exiting) and emit it as ``error`` and ``error_legacy(error)``."""
        values: dict[str, Any] = {
            **self._identity(user_metadata),
            "error": error,
            "context": context,
            "error_code": getattr(error, "error_code", None),
            **fields,
        }
        if "is_recoverable" in event_cls.__dataclass_fields__:
            values.setdefault("is_recoverable", not isinstance(error, (SystemExit, KeyboardInterrupt)))
        event = event_cls(**values)
        self._emit("error", event, legacy=(error,))
        return event

    async def close(self) -> None:
        """Release resources and emit one ``closed`` event; later calls do nothing."""
        self.bind_loop()
        if self._is_closed:
            return
        self._is_closed = True
        self._emit(
            "closed",
            PluginClosedEvent(
                **self._identity(None),
                plugin_type=self.plugin_type,
                provider=self.provider_name,
                cleanup_successful=True,
            ),
        )

    async def __aenter__(self) -> Plugin:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
