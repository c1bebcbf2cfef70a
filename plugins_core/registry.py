"""EventRegistry: the bounded, thread-safe store every plugin event goes through.

Upstream kept every event twice (registry and logger), indexed sessions without bound, counted
cumulatively (so error rates could pass 100 %) and had no lock. Here one registration stores an
event once, in a ring of ``max_events`` with per-session and per-type indexes that shrink with it;
audio bytes have their own budget; counters describe exactly what is buffered; and every drop is
counted and reported by ``get_statistics()``.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import logging
import operator
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from plugins_core.events import AUDIO_EVENT_TYPES, ERROR_EVENT_TYPES, BaseEvent, EventType
from plugins_core.filters import EventFilter
from plugins_core.subscription import RegisteredEvent, Subscription

__all__ = [
    "DEFAULT_MAX_AUDIO_BYTES",
    "DEFAULT_MAX_EVENTS",
    "DEFAULT_SUBSCRIBER_QUEUE",
    "EventListener",
    "EventLogger",
    "EventRegistry",
    "EventSink",
    "Replay",
    "get_global_logger",
    "get_global_registry",
    "register_global_event",
    "set_global_registry",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_EVENTS = 10_000
DEFAULT_MAX_AUDIO_BYTES = 64 * 1024 * 1024
DEFAULT_SUBSCRIBER_QUEUE = 1_000

EventListener = Callable[[BaseEvent], Any]


@runtime_checkable
class EventSink(Protocol):
    """Receives every registered event with its sequence number, in the registering thread.

    A store's writer and a forwarder are sinks: ``offer`` must only hand the entry over (append to
    a bounded queue, count what it cannot keep) and return at once; it must never block on disk or
    network, because it runs on the pipeline's hot path.
    """

    def offer(self, entry: RegisteredEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class Replay:
    """Events after a sequence number, and how many of those were already evicted (a gap)."""

    events: list[RegisteredEvent]
    missed: int
    last_seq: int


class EventLogger:
    """Structured log records for events, formatted only when the level is enabled.

    It keeps no copy of the events (upstream's logger had a second registry); ``registry`` is the
    registry it reports for, if any.
    """

    def __init__(
        self,
        logger_name: str = "plugins_core.events",
        level: int = logging.DEBUG,
        registry: EventRegistry | None = None,
    ) -> None:
        self.logger = logging.getLogger(logger_name)
        self.level = level
        self.registry = registry

    def get_registry(self) -> EventRegistry:
        return self.registry if self.registry is not None else get_global_registry()

    def log_event(self, event: BaseEvent, log_level: int | None = None) -> None:
        level = self.level if log_level is None else log_level
        if not self.logger.isEnabledFor(level):
            return  # the common case on a hot path: no dict, no string, no numpy formatting
        extra: dict[str, Any] = {
            "event_type": event.event_type.value,
            "event_id": event.event_id,
            "session_id": event.session_id,
            "plugin_name": event.plugin_name,
            "event_timestamp": event.timestamp.isoformat(),
        }
        text = getattr(event, "text", None)
        if isinstance(text, str):
            extra["text_length"] = len(text)
            extra["text_preview"] = text[:100]
        for name in ("confidence", "processing_time_ms"):
            value = getattr(event, name, None)
            if value is not None:
                extra[name] = value
        audio = getattr(event, "audio_data", None)
        if audio is not None:
            extra["audio_bytes"] = len(audio)
        error = getattr(event, "error", None)
        if error is not None:
            extra["error_message"] = str(error)
            extra["error_type"] = type(error).__name__
        self.logger.log(level, "%s: %s", event.event_type.value, event.plugin_name or "unknown", extra=extra)


class EventRegistry:
    """Thread-safe, bounded event store with indexes, listeners and async subscriptions.

    Args:
        max_events: events kept; the oldest is evicted first (ring buffer).
        max_audio_bytes: audio bytes kept across all buffered events; past it the oldest audio is
            dropped from its event (``audio_data=None``, ``audio_evicted=True``), metadata kept.
        subscriber_queue: default bound of each subscription's queue.
        event_logger: where structured log records go (lazily); None for no logging.
        start_seq: the sequence number after which numbering starts (a store passes the highest
            number it holds, so that numbers stay unique across runs).
    """

    def __init__(
        self,
        max_events: int = DEFAULT_MAX_EVENTS,
        *,
        max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
        subscriber_queue: int = DEFAULT_SUBSCRIBER_QUEUE,
        event_logger: EventLogger | None = None,
        start_seq: int = 0,
    ) -> None:
        for name, value, low in (
            ("max_events", max_events, 1),
            ("max_audio_bytes", max_audio_bytes, 0),
            ("subscriber_queue", subscriber_queue, 1),
            ("start_seq", start_seq, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name}={value!r}: must be an integer >= {low}")
        self.max_events = max_events
        self.max_audio_bytes = max_audio_bytes
        self.subscriber_queue = subscriber_queue
        self.event_logger = event_logger
        self._lock = threading.Lock()
        self._listeners: dict[EventType, tuple[EventListener, ...]] = {}
        self._any_listeners: tuple[EventListener, ...] = ()
        self._has_listeners = False
        self._subscriptions: tuple[Subscription, ...] = ()
        self._sinks: tuple[EventSink, ...] = ()
        self._first_seq = start_seq  # numbering started after this one
        self._last_seq = start_seq  # never restarts, not even after clear(): clients resume by it
        self._reset_state()
        self._cleared_events = 0  # forgotten by clear(), not evicted
        self._listener_errors = 0
        self._sink_errors = 0
        self._subscriber_drops_closed = 0  # drops of subscriptions that have since closed

    def _reset_state(self) -> None:
        self._ring: deque[RegisteredEvent] = deque()
        self._by_session: dict[str, deque[RegisteredEvent]] = {}
        self._by_type: dict[str, deque[RegisteredEvent]] = {}  # keyed by EventType value: str hashes fast
        # the same, holding the events themselves: a whole-type query copies pointers, no tuple per result
        self._type_events: dict[str, deque[BaseEvent]] = {}
        self._by_id: dict[str, RegisteredEvent] = {}
        # buffered entries that still hold audio, with the size they were counted at
        self._audio: deque[tuple[RegisteredEvent, int]] = deque()
        self._audio_bytes = 0
        self._plugin_counts: dict[str | None, int] = {}
        self._error_counts: Counter[str] = Counter()  # upstream key: f"{plugin_name}_{event_type.value}"
        self._plugin_errors: Counter[str | None] = Counter()
        self._audio_evicted_events = 0
        self._audio_evicted_bytes = 0

    def __repr__(self) -> str:
        return (
            f"EventRegistry(events={len(self._ring)}, max_events={self.max_events}, "
            f"audio_bytes={self._audio_bytes}, max_audio_bytes={self.max_audio_bytes})"
        )

    def __len__(self) -> int:
        return len(self._ring)

    @property
    def events(self) -> list[BaseEvent]:
        """A snapshot of the buffered events, oldest first (upstream exposed its deque here)."""
        with self._lock:
            return [entry.event for entry in self._ring]

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest registered event (0 before the first)."""
        return self._last_seq

    # ----------------------------------------------------------------------------------- register

    def register_event(self, event: BaseEvent) -> int:
        """Store the event, run listeners, feed subscriptions; returns its sequence number."""
        event_type = event.event_type
        type_key = event_type._value_
        with self._lock:
            seq = self._last_seq + 1
            self._last_seq = seq
            entry = _new_entry(RegisteredEvent, (seq, event))
            ring = self._ring
            if len(ring) >= self.max_events:
                self._evict_oldest()
            ring.append(entry)
            session = event.session_id
            if session:
                bucket = self._by_session.get(session)
                if bucket is None:
                    bucket = self._by_session[session] = deque()
                bucket.append(entry)
            by_type = self._by_type.get(type_key)
            if by_type is None:
                by_type = self._by_type[type_key] = deque()
                self._type_events[type_key] = deque()
            by_type.append(entry)
            self._type_events[type_key].append(event)
            prior = self._by_id.get(event.event_id)
            self._by_id[event.event_id] = entry
            plugin_counts = self._plugin_counts
            plugin_counts[event.plugin_name] = plugin_counts.get(event.plugin_name, 0) + 1
            if type_key in _ERROR_KEYS:
                self._error_counts[f"{event.plugin_name}_{type_key}"] += 1
                self._plugin_errors[event.plugin_name] += 1
            elif type_key in _AUDIO_KEYS:
                audio = event.audio_data  # type: ignore[attr-defined]
                if audio and (prior is None or prior.event is not event):  # counted once per object
                    self._audio.append((entry, len(audio)))
                    self._audio_bytes += len(audio)
                    if self._audio_bytes > self.max_audio_bytes:
                        self._evict_audio()
            subscriptions = self._subscriptions
            to_wake = (
                [
                    s
                    for s in subscriptions
                    if (s.filter is None or s.filter.matches(event)) and s._offer(entry)
                ]
                if subscriptions
                else ()
            )
            listeners = (
                (self._listeners.get(event_type, ()) + self._any_listeners) if self._has_listeners else ()
            )
            sinks = self._sinks
        for sub in to_wake:
            sub._wake()
        if sinks:
            self._offer_to_sinks(entry, sinks)
        if listeners:
            self._notify(event, listeners)
        event_logger = self.event_logger
        if event_logger is not None and event_logger.logger.isEnabledFor(event_logger.level):
            try:
                event_logger.log_event(event)
            except Exception:  # a record that cannot be formatted must not fail the registration
                logger.warning("could not log %s %s", event.event_type.value, event.event_id, exc_info=True)
        return seq

    def _evict_oldest(self) -> None:
        old = self._ring.popleft()
        event = old.event
        type_key = event.event_type._value_
        session = event.session_id
        if session:
            bucket = self._by_session[session]
            bucket.popleft()
            if not bucket:
                del self._by_session[session]
        by_type = self._by_type[type_key]
        by_type.popleft()
        self._type_events[type_key].popleft()
        if not by_type:
            del self._by_type[type_key]
            del self._type_events[type_key]
        if self._by_id.get(event.event_id) is old:
            del self._by_id[event.event_id]
        plugin = event.plugin_name
        remaining = self._plugin_counts[plugin] - 1
        if remaining:
            self._plugin_counts[plugin] = remaining
        else:
            del self._plugin_counts[plugin]
        if type_key in _ERROR_KEYS:
            _decrement(self._error_counts, f"{plugin}_{type_key}")
            _decrement(self._plugin_errors, plugin)
        elif self._audio and self._audio[0][0] is old:
            _, size = self._audio.popleft()
            newer = self._by_id.get(event.event_id)
            if newer is not None and newer.event is event and getattr(event, "audio_data", None) is not None:
                self._audio.append((newer, size))  # still buffered through a later registration
            else:
                self._audio_bytes -= size

    def _evict_audio(self) -> None:
        while self._audio_bytes > self.max_audio_bytes and self._audio:
            entry, size = self._audio.popleft()
            event: Any = entry.event
            event.audio_data = None
            event.audio_evicted = True
            self._audio_bytes -= size
            self._audio_evicted_events += 1
            self._audio_evicted_bytes += size

    def _offer_to_sinks(self, entry: RegisteredEvent, sinks: tuple[EventSink, ...]) -> None:
        for sink in sinks:
            try:
                sink.offer(entry)
            except Exception:
                with self._lock:
                    self._sink_errors += 1
                logger.exception("event sink %r failed on %s", sink, entry.event.event_id)

    def _notify(self, event: BaseEvent, listeners: tuple[EventListener, ...]) -> None:
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                with self._lock:
                    self._listener_errors += 1
                logger.exception(
                    "event listener %r failed on %s %s", listener, event.event_type.value, event.event_id
                )

    # ---------------------------------------------------------------------------------- listeners

    def add_listener(self, event_type: EventType | None, listener: EventListener) -> None:
        """Call ``listener(event)`` in the registering thread for each event of ``event_type``
        (None: every event). A failing listener is logged and counted, never propagated."""
        with self._lock:
            if event_type is None:
                self._any_listeners += (listener,)
            else:
                self._listeners[event_type] = self._listeners.get(event_type, ()) + (listener,)
            self._has_listeners = True

    def remove_listener(self, event_type: EventType | None, listener: EventListener) -> bool:
        """Remove one registration of ``listener``; False when it was not registered."""
        with self._lock:
            current = self._any_listeners if event_type is None else self._listeners.get(event_type, ())
            if listener not in current:
                return False
            items = list(current)
            items.remove(listener)
            if event_type is None:
                self._any_listeners = tuple(items)
            elif items:
                self._listeners[event_type] = tuple(items)
            else:
                del self._listeners[event_type]
            self._has_listeners = bool(self._listeners or self._any_listeners)
            return True

    # -------------------------------------------------------------------------------------- sinks

    def add_sink(self, sink: EventSink) -> None:
        """Hand every event registered from now on to ``sink.offer(entry)`` (a store's writer, a
        forwarder). Sinks run in the registering thread after the registry's lock is released; a
        failing sink is logged and counted (``sink_errors``), never propagated."""
        if not isinstance(sink, EventSink):
            raise TypeError(f"sink={sink!r}: needs an offer(entry) method")
        with self._lock:
            if sink not in self._sinks:
                self._sinks += (sink,)

    def remove_sink(self, sink: EventSink) -> bool:
        """Stop handing events to ``sink``; False when it was not added."""
        with self._lock:
            if sink not in self._sinks:
                return False
            self._sinks = tuple(s for s in self._sinks if s is not sink)
            return True

    @property
    def sinks(self) -> tuple[EventSink, ...]:
        return self._sinks

    # ------------------------------------------------------------------------------ subscriptions

    def subscribe(
        self,
        event_filter: EventFilter | None = None,
        *,
        max_queue: int | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Subscription:
        """A bounded async feed of events registered from now on (call it on the consuming loop)."""
        target = loop if loop is not None else asyncio.get_running_loop()
        bound = self.subscriber_queue if max_queue is None else max_queue
        sub = Subscription(target, bound, event_filter, self._unsubscribe, lock=self._lock)
        with self._lock:
            self._subscriptions += (sub,)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions = tuple(s for s in self._subscriptions if s is not sub)
                self._subscriber_drops_closed += sub.dropped

    # ------------------------------------------------------------------------------------ queries

    def get_event(self, event_id: str) -> BaseEvent | None:
        entry = self._by_id.get(event_id)
        return entry.event if entry is not None else None

    def get_registered(self, event_id: str) -> RegisteredEvent | None:
        """The buffered event with this id and its sequence number."""
        return self._by_id.get(event_id)

    def query(
        self,
        event_filter: EventFilter | None = None,
        limit: int | None = None,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
    ) -> list[RegisteredEvent]:
        """Matching buffered events, oldest first; with ``limit``, the newest ``limit`` of them.
        ``after_seq`` and ``before_seq`` are exclusive bounds on the sequence numbers (to page back
        through a hole: ``before_seq=<oldest seen>, limit=N``).

        Session and type criteria are answered from indexes, and a ``limit`` or ``after_seq`` scan
        starts from the newest end and stops early, so the cost follows the number of candidate
        events, not the size of the buffer.
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit={limit!r}: must be >= 0")
        flt = event_filter if event_filter is not None and not event_filter.is_empty else None
        with self._lock:
            sources, exact = self._candidate_sources(flt)
            if after_seq is not None:
                snapshot = [_after(source, after_seq) for source in sources]
            elif exact and limit and before_seq is None:
                snapshot = [_tail(source, limit) for source in sources]
            else:
                snapshot = [list(source) for source in sources]
        merged = snapshot[0] if len(snapshot) == 1 else list(heapq.merge(*snapshot, key=_seq_key))
        if before_seq is not None:
            merged = merged[: bisect.bisect_left(merged, before_seq, key=_seq_key)]
        if flt is None or exact:
            return merged[-limit:] if limit else merged
        matches = flt.matches
        if not limit:
            return [entry for entry in merged if matches(entry.event)]
        newest: list[RegisteredEvent] = []
        for entry in reversed(merged):
            if matches(entry.event):
                newest.append(entry)
                if len(newest) >= limit:
                    break
        newest.reverse()
        return newest

    def _candidate_sources(self, flt: EventFilter | None) -> tuple[list[deque[RegisteredEvent]], bool]:
        """The index deques that hold every match, and whether the index alone decides a match."""
        if flt is None:
            return [self._ring], True
        narrower = (
            flt.plugin_names is not None
            or flt.time_window_ms
            or flt.min_confidence is not None
            or flt.text_contains
            or flt.start_time is not None
            or flt.end_time is not None
        )
        if flt.session_ids is not None:
            exact = not (narrower or flt.event_types is not None or flt.errors_only)
            return [self._by_session[s] for s in flt.session_ids if s in self._by_session], exact
        if flt.event_types is not None or flt.errors_only:
            types = set(flt.event_types or ERROR_EVENT_TYPES)
            if flt.errors_only:
                types &= ERROR_EVENT_TYPES
            keys = [t.value for t in types]
            return [self._by_type[k] for k in keys if k in self._by_type], not narrower
        return [self._ring], False

    def get_events(
        self, filter_criteria: EventFilter | None = None, limit: int | None = None
    ) -> list[BaseEvent]:
        """Matching events oldest first; with ``limit`` the most recent ``limit`` (0 or None: all)."""
        flt = filter_criteria if filter_criteria is not None and not filter_criteria.is_empty else None
        if not limit:
            with self._lock:
                sources, exact = self._candidate_sources(flt)
                if exact and flt is not None and flt.session_ids is None and flt.event_types is not None:
                    if len(flt.event_types) == 1 and not flt.errors_only:
                        (only,) = flt.event_types
                        return list(self._type_events.get(only.value, ()))  # a pointer copy
                if exact and len(sources) == 1:
                    return list(map(_event_of, sources[0]))  # one pass, no intermediate copy
        return list(map(_event_of, self.query(flt, limit or None)))

    def get_session_events(self, session_id: str) -> list[BaseEvent]:
        """A copy of the buffered events of one session, oldest first."""
        with self._lock:
            bucket = self._by_session.get(session_id)
            return list(map(_event_of, bucket)) if bucket else []

    def session_ids(self) -> list[str]:
        with self._lock:
            return list(self._by_session)

    def session_counts(self) -> dict[str, int]:
        """Buffered events per session, without copying any event."""
        with self._lock:
            return {session: len(bucket) for session, bucket in self._by_session.items()}

    def events_after(self, seq: int, event_filter: EventFilter | None = None) -> Replay:
        """What a client that last saw ``seq`` missed, and how many of those were evicted.

        ``missed`` counts every evicted event after ``seq``, whether or not it would have matched
        the filter (evicted events can no longer be tested). One snapshot under the lock, so the
        events, the count and ``last_seq`` agree.
        """
        flt = event_filter if event_filter is not None and not event_filter.is_empty else None
        with self._lock:
            oldest = self._ring[0].seq if self._ring else self._last_seq + 1
            last = self._last_seq
            sources, exact = self._candidate_sources(flt)
            snapshot = [_after(source, seq) for source in sources]
        merged = snapshot[0] if len(snapshot) == 1 else list(heapq.merge(*snapshot, key=_seq_key))
        if flt is not None and not exact:
            merged = [entry for entry in merged if flt.matches(entry.event)]
        # numbers up to start_seq were never held here (a store holds them): not a gap of this registry
        return Replay(events=merged, missed=max(0, oldest - max(seq, self._first_seq) - 1), last_seq=last)

    def __iter__(self) -> Iterator[BaseEvent]:
        return iter(self.events)

    # --------------------------------------------------------------------------------- statistics

    def get_error_summary(self) -> dict[str, Any]:
        with self._lock:
            return self._error_summary()

    def _error_summary(self) -> dict[str, Any]:
        total = len(self._ring)
        breakdown = {key: count for key, count in self._error_counts.items() if count > 0}
        errors = sum(breakdown.values())
        return {
            "total_events": total,
            "total_errors": errors,
            "error_rate": errors / total if total else 0.0,
            "error_breakdown": breakdown,
            "most_common_errors": sorted(breakdown.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        }

    def get_statistics(self) -> dict[str, Any]:
        """Upstream's keys, computed over the buffered events, plus bounds and drop counters."""
        with self._lock:
            total = len(self._ring)
            sessions = len(self._by_session)
            span_ms = 0.0
            if total > 1:
                span_ms = (
                    abs((self._ring[-1].event.timestamp - self._ring[0].event.timestamp).total_seconds())
                    * 1000
                )
            plugins = {
                _plugin_key(name): {
                    "events": count,
                    "errors": self._plugin_errors[name],
                    "error_rate": self._plugin_errors[name] / count,
                }
                for name, count in self._plugin_counts.items()
            }
            live_drops = sum(sub.dropped for sub in self._subscriptions)
            return {
                "total_events": total,
                "event_distribution": {key: len(bucket) for key, bucket in self._by_type.items()},
                "session_count": sessions,
                "avg_events_per_session": total / sessions if sessions else 0,
                "time_span_ms": span_ms,
                "events_per_second": total / (span_ms / 1000) if span_ms else 0,
                "error_summary": self._error_summary(),
                "plugin_error_rates": plugins,
                "total_registered": self._last_seq - self._first_seq,
                "last_seq": self._last_seq,
                "max_events": self.max_events,
                "evicted_events": self._last_seq - self._first_seq - self._cleared_events - total,
                "audio_bytes": self._audio_bytes,
                "max_audio_bytes": self.max_audio_bytes,
                "audio_evicted_events": self._audio_evicted_events,
                "audio_evicted_bytes": self._audio_evicted_bytes,
                "listener_errors": self._listener_errors,
                "sink_errors": self._sink_errors,
                "sinks": len(self._sinks),
                "subscriptions": len(self._subscriptions),
                "subscriber_dropped_events": self._subscriber_drops_closed + live_drops,
            }

    def clear(self) -> None:
        """Forget the buffered events and their counters; listeners and subscriptions stay."""
        with self._lock:
            self._cleared_events += len(self._ring)
            self._reset_state()


_ERROR_KEYS = frozenset(t.value for t in ERROR_EVENT_TYPES)
_AUDIO_KEYS = frozenset(t.value for t in AUDIO_EVENT_TYPES)


def _decrement(counter: Counter[Any], key: Any) -> None:
    """Count down and forget keys that reach zero, so counters shrink with the ring."""
    remaining = counter[key] - 1
    if remaining > 0:
        counter[key] = remaining
    else:
        del counter[key]


_new_entry = tuple.__new__  # RegisteredEvent without the Python-level NamedTuple __new__ (hot path)


_event_of = operator.itemgetter(1)


def _seq_key(entry: RegisteredEvent) -> int:
    return entry.seq


def _after(source: deque[RegisteredEvent], seq: int) -> list[RegisteredEvent]:
    """Entries newer than ``seq``, found from the newest end (a reconnect asks for a few)."""
    out: list[RegisteredEvent] = []
    for entry in reversed(source):
        if entry.seq <= seq:
            break
        out.append(entry)
    out.reverse()
    return out


def _tail(source: deque[RegisteredEvent], count: int) -> list[RegisteredEvent]:
    out: list[RegisteredEvent] = []
    for entry in reversed(source):
        if len(out) >= count:
            break
        out.append(entry)
    out.reverse()
    return out


def _plugin_key(name: str | None) -> str:
    return name if name is not None else "unknown"


# -------------------------------------------------------------------------------- global registry

_global_lock = threading.Lock()
_global_registry: EventRegistry | None = None
_global_logger = EventLogger("plugins_core.events")


def get_global_registry() -> EventRegistry:
    """The process-wide registry that plugins register into unless given another one."""
    global _global_registry
    if _global_registry is None:
        with _global_lock:
            if _global_registry is None:
                _global_registry = EventRegistry(event_logger=_global_logger)
    return _global_registry


def set_global_registry(registry: EventRegistry) -> EventRegistry:
    """Replace the process-wide registry (e.g. with other bounds); returns the previous one."""
    global _global_registry
    with _global_lock:
        previous = _global_registry
        _global_registry = registry
    return previous if previous is not None else EventRegistry(event_logger=_global_logger)


def get_global_logger() -> EventLogger:
    return _global_logger


def register_global_event(event: BaseEvent) -> int:
    """Register in the global registry (once: its logger logs lazily, without a second copy)."""
    return get_global_registry().register_event(event)
