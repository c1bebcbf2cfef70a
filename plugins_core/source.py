"""EventSource: the one question every view asks, answered alike by the ring and by a store.

Pages, the JSON API, exports and the stream ask "events matching this filter, after or before this
point, newest N", and must not care whether the answer comes from the in-memory ring (live, newest)
or from a store (everything kept). :class:`~plugins_core.registry.EventRegistry` answers it from
memory; a store answers it from disk; a combination puts the store behind the ring.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from plugins_core.filters import EventFilter
from plugins_core.subscription import RegisteredEvent

__all__ = ["EventSource"]


@runtime_checkable
class EventSource(Protocol):
    """Sequence numbers order events by registration; they are unique within a source."""

    @property
    def last_seq(self) -> int:
        """The newest sequence number held (0 when empty)."""
        ...

    def query(
        self,
        event_filter: EventFilter | None = None,
        limit: int | None = None,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
    ) -> list[RegisteredEvent]:
        """Matching events, oldest first; with ``limit``, the newest ``limit`` of them.
        ``after_seq`` and ``before_seq`` are exclusive bounds on sequence numbers."""
        ...

    def get_registered(self, event_id: str) -> RegisteredEvent | None:
        """The event with this id and its sequence number, if held."""
        ...
