"""StreamHub: the connected stream clients, what each was sent and dropped, for ``/api/stats``, for
shutdown (``close_all``) and for tests that check nothing leaks."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from plugins_core import Subscription

__all__ = ["StreamClient", "StreamHub"]

_ids = itertools.count(1)


@dataclass(slots=True)
class StreamClient:
    client_id: int
    query: str
    connected_at: float
    subscription: Subscription | None = None
    sent: int = 0
    frames: int = 0
    gaps: int = 0

    @property
    def dropped(self) -> int:
        """Events this client's queue dropped so far, counted as they are dropped (a stalled client
        never reads its notices, but its drops still show here)."""
        return self.subscription.dropped if self.subscription is not None else 0


class StreamHub:
    def __init__(self) -> None:
        self.clients: dict[int, StreamClient] = {}
        self.total_dropped = 0
        self.total_connections = 0

    def connect(self, query: str) -> StreamClient:
        client = StreamClient(next(_ids), query, time.time())
        self.clients[client.client_id] = client
        self.total_connections += 1
        return client

    def disconnect(self, client: StreamClient) -> None:
        self.total_dropped += client.dropped
        self.clients.pop(client.client_id, None)

    def close_all(self) -> None:
        """End every stream (server shutdown): their subscriptions close, so each generator returns
        instead of keeping uvicorn waiting for the connection. Safe from any thread."""
        for client in list(self.clients.values()):
            if client.subscription is not None:
                client.subscription.close()

    def stats(self) -> dict[str, Any]:
        return {
            "clients": len(self.clients),
            "total_connections": self.total_connections,
            "dropped_events": self.total_dropped + sum(c.dropped for c in self.clients.values()),
            "per_client": [
                {
                    "id": c.client_id,
                    "sent": c.sent,
                    "frames": c.frames,
                    "dropped": c.dropped,
                    "query": c.query,
                }
                for c in self.clients.values()
            ],
        }
