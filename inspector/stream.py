"""The SSE endpoint: registry subscription -> filter -> batch -> frames whose ``id`` is the last seq.

* Reconnect resumes: ``Last-Event-ID`` (or ``after=``) replays exactly what was missed, in order; if
  some of it was evicted, a ``gap`` frame says how many before the replay.
* An id from before a server restart (higher than any seq now) gets a ``reset`` frame and the
  buffered events from the start, never a silent wait for numbers that will not come again.
* A slow client never slows the pipeline: its queue is bounded, the oldest events are dropped and a
  ``dropped`` frame tells it how many.
* At high rates events are coalesced into at most one frame per ``batch_interval_s``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from inspector.eventjson import event_json
from inspector.hub import StreamHub
from inspector.query import EventQuery, QueryError, parse_query
from inspector.settings import InspectorSettings
from inspector.state import state_of
from inspector.urls import URLs
from plugins_core import EventRegistry, RegisteredEvent

__all__ = ["stream_response"]

logger = logging.getLogger(__name__)


def _frame(entries: Sequence[RegisteredEvent], urls: URLs) -> ServerSentEvent:
    data = json.dumps([event_json(e, urls) for e in entries], separators=(",", ":"), ensure_ascii=False)
    return ServerSentEvent(data=data, event="events", id=str(entries[-1].seq))


def _notice(kind: str, payload: dict[str, Any], seq: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload), event=kind, id=str(seq) if seq is not None else None)


async def _frames(
    registry: EventRegistry,
    hub: StreamHub,
    settings: InspectorSettings,
    query: EventQuery,
    resume: int | None,
    urls: URLs,
) -> AsyncIterator[ServerSentEvent]:
    client = hub.connect(query.query_string())
    # Read the position before subscribing and replay after it: whatever lands in between is then
    # in the replay or in the queue (or both, deduplicated by seq), never in neither.
    restarted = resume is not None and resume > registry.last_seq  # an id from before a server restart
    start = 0 if restarted else resume if resume is not None else registry.last_seq
    subscription = registry.subscribe(query.filter, max_queue=settings.client_queue)
    client.subscription = subscription
    try:
        yield _notice("hello", {"last_seq": registry.last_seq, "resumed_from": resume}, start)
        if restarted:
            yield _notice("reset", {"resumed_from": resume, "last_seq": registry.last_seq})
        last_sent = start
        replay = registry.events_after(start, query.filter)
        if replay.missed:
            client.gaps += 1
            yield _notice("gap", {"missed": replay.missed, "after": start})
        for offset in range(0, len(replay.events), settings.max_batch):
            chunk = replay.events[offset : offset + settings.max_batch]
            client.sent += len(chunk)
            client.frames += 1
            last_sent = chunk[-1].seq
            yield _frame(chunk, urls)
        last_frame_at = 0.0
        while True:
            batch = await subscription.get_batch(settings.max_batch)
            if batch.closed:
                return
            wait = last_frame_at + settings.batch_interval_s - time.monotonic()
            if wait > 0 and len(batch.items) < settings.max_batch:
                await asyncio.sleep(wait)  # coalesce: at most one frame per interval
                more = subscription.take_nowait(settings.max_batch - len(batch.items))
                batch.items.extend(more.items)
                batch.dropped += more.dropped
            if batch.dropped:
                # the lost events lie between the last one sent and the first of this batch
                yield _notice(
                    "dropped", {"dropped": batch.dropped, "total": client.dropped, "after": last_sent}
                )
            fresh = [entry for entry in batch.items if entry.seq > last_sent]
            if fresh:
                last_sent = fresh[-1].seq
                client.sent += len(fresh)
                client.frames += 1
                last_frame_at = time.monotonic()
                yield _frame(fresh, urls)
    except asyncio.CancelledError:
        logger.debug("stream client %d disconnected", client.client_id)
        raise
    finally:
        subscription.close()
        hub.disconnect(client)


def stream_response(request: Request) -> EventSourceResponse:
    """``GET /api/stream`` with the same filters as ``/api/events``."""
    state = state_of(request)
    query = parse_query(request.query_params)
    resume = query.after
    header = request.headers.get("last-event-id")
    if header:
        try:
            resume = int(header)
        except ValueError:
            raise QueryError("Last-Event-ID", header, "must be an event sequence number") from None
        if resume < 0:
            raise QueryError("Last-Event-ID", header, "must be >= 0")
    return EventSourceResponse(
        _frames(state.registry, state.hub, state.settings, query, resume, URLs.of(request)),
        ping=state.settings.ping_s,
        send_timeout=state.settings.send_timeout_s,
        headers={"Cache-Control": "no-store"},
    )
