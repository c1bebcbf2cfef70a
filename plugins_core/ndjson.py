"""NdjsonReader: the events of an NDJSON byte stream, keeping every good line of bad input.

Import, ``serve FILE``, page upload and HTTP ingest all read through it. Each line is one event. A
line that cannot be read (truncated, garbage, wrong types, corrupt base64, an unknown event type,
invalid UTF-8, a format version this reader does not know, longer than ``max_line_bytes``) is
skipped and reported as a :class:`LineError` with its line number and the field at fault, and
reading goes on. Only a header line from a newer format at the start refuses the whole input, with
one :class:`~plugins_core.exceptions.SerializationError`: nothing in it can be trusted.

Memory stays bounded by ``max_line_bytes`` plus one read chunk whatever the input size: an
over-long line is dropped as it streams past, never held whole. The reader pulls from a binary
file (a file, a socket's ``makefile("rb")``, a gzip stream) or an iterable of byte chunks, or is
pushed chunks with :meth:`NdjsonReader.feed` by code that receives them asynchronously.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from plugins_core.codec import decode_json
from plugins_core.events import BaseEvent
from plugins_core.exceptions import SerializationError
from plugins_core.json_fields import FORMAT_VERSION, NDJSON_FORMAT, decode_mapping, loads_checked

__all__ = ["MAX_EVENT_BYTES", "LineError", "NdjsonReader", "NdjsonSource"]

#: The largest line (one serialized event) read on import and ingest, in bytes: 8 MiB, about
#: 4 minutes of 16 kHz 16-bit mono audio in base64. Longer lines are rejected without being held.
MAX_EVENT_BYTES = 8 * 2**20

#: What a reader pulls from: a binary stream, a whole body, or an iterable of chunks.
NdjsonSource = BinaryIO | bytes | bytearray | memoryview | Iterable[bytes | bytearray | memoryview | str]

_CHUNK = 64 * 1024  # bytes read at a time from a file
_BOM = b"\xef\xbb\xbf"


def _short(value: Any, limit: int = 80) -> str:
    """repr() of a refused value, shortened so that a report stays small whatever the input."""
    text = repr(value[: limit + 1] if isinstance(value, (bytes, str)) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class LineError:
    """One rejected line: its number (from 1), the field at fault ("" for the whole line), the
    refused value (shortened ``repr``) and why."""

    line: int
    field: str
    value: str
    reason: str

    @property
    def path(self) -> str:
        """``line 12.confidence``, or ``line 12`` when the whole line is at fault."""
        return f"line {self.line}.{self.field}" if self.field else f"line {self.line}"

    def __str__(self) -> str:
        return f"{self.path}={self.value}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason}


class NdjsonReader:
    """Iterate the valid events of NDJSON input in order; rejected lines go to :attr:`errors`.

    ``accepted`` and ``rejected`` count events yielded and lines refused; ``errors`` keeps the first
    ``max_errors`` refusals (all are counted); ``format_version`` is the header's version, or None
    when there is no header (then each line carries its own version). With ``require_header`` an
    input that does not start with a header line is refused as a whole.
    """

    def __init__(
        self,
        source: NdjsonSource | None = None,
        *,
        max_line_bytes: int = MAX_EVENT_BYTES,
        max_errors: int = 1000,
        require_header: bool = False,
    ) -> None:
        for name, value, low in (("max_line_bytes", max_line_bytes, 1), ("max_errors", max_errors, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name}={value!r}: must be an integer >= {low}")
        self.source = source
        self.max_line_bytes = max_line_bytes
        self.max_errors = max_errors
        self.require_header = require_header
        self.accepted = 0
        self.rejected = 0
        self.errors: list[LineError] = []
        self.format_version: int | None = None
        self.lines = 0  # lines seen so far, blank ones included
        self._pending = bytearray()  # the start of a line whose newline has not arrived yet
        self._skipping = 0  # > 0: inside an over-long line, this many bytes dropped so far
        self._started = False  # a non-blank line was seen
        self._newer: int | None = None  # a newer header was met mid-stream: its version
        self._closed = False
        self._consumed = False

    def __repr__(self) -> str:
        return f"NdjsonReader(accepted={self.accepted}, rejected={self.rejected}, lines={self.lines})"

    # ------------------------------------------------------------------------------ pulling

    def __iter__(self) -> Iterator[BaseEvent]:
        if self.source is None:
            raise TypeError("NdjsonReader() without a source is fed with feed() and finish()")
        if self._consumed:
            raise RuntimeError("an NdjsonReader reads its source once")
        self._consumed = True
        return self._pull(self.source)

    def _pull(self, source: NdjsonSource) -> Iterator[BaseEvent]:
        try:
            for chunk in _chunks(source):
                yield from self.feed(chunk)
        except (OSError, EOFError, zlib.error) as exc:  # e.g. a gzip stream cut short
            self._reject(
                self.lines + 1, "", type(exc).__name__, f"the input could not be read further ({exc})"
            )
        yield from self.finish()

    # ------------------------------------------------------------------------------ pushing

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> list[BaseEvent]:
        """The events completed by one more chunk of input (any size, split anywhere)."""
        if self._closed:
            raise ValueError("this NdjsonReader has finished")
        data = chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else bytes(chunk)
        out: list[BaseEvent] = []
        start = 0
        limit = self.max_line_bytes
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            piece = data[start:end]
            start = end + 1
            self.lines += 1
            if self._skipping:
                self._too_long(self._skipping + len(piece))
            elif self._pending:
                size = len(self._pending) + len(piece)
                if size > limit:
                    self._too_long(size)
                else:
                    self._line(bytes(self._pending) + piece, True, out)
                self._pending.clear()
            elif len(piece) > limit:
                self._too_long(len(piece))
            else:
                self._line(piece, True, out)
        rest = len(data) - start
        if self._skipping:
            self._skipping += rest
        elif len(self._pending) + rest > limit:
            self._skipping = len(self._pending) + rest
            self._pending.clear()
        elif rest:
            self._pending += data[start:]
        return out

    def finish(self) -> list[BaseEvent]:
        """The end of the input: the last line, if it has no newline, is read (or called truncated)."""
        if self._closed:
            return []
        self._closed = True
        out: list[BaseEvent] = []
        if self._skipping:
            self.lines += 1
            self._too_long(self._skipping)
        elif self._pending:
            self.lines += 1
            self._line(bytes(self._pending), False, out)
            self._pending.clear()
        if self.require_header and not self._started:
            raise SerializationError("line 1", b"", f"empty input; expected a {NDJSON_FORMAT!r} header line")
        return out

    # ------------------------------------------------------------------------------ one line

    def _line(self, line: bytes, complete: bool, out: list[BaseEvent]) -> None:
        number = self.lines
        if line.startswith(_BOM):  # a byte order mark, at the start of the input or of a pasted part
            line = line[3:]
        if not line.strip():
            return
        first = not self._started
        self._started = True
        if self._newer is None and not (first and self.require_header):
            event = decode_json(line)
            if event is not None:
                self.accepted += 1
                out.append(event)
                return
        where = f"line {number}"
        try:
            parsed = loads_checked(line, where)
        except SerializationError as exc:
            if first and self.require_header:
                raise
            reason = exc.reason
            if not complete and reason.startswith("invalid JSON"):
                reason = f"truncated: the input ends inside this line ({reason})"
            self._reject(number, "", _short(exc.value), reason)
            return
        if isinstance(parsed, dict) and "format" in parsed and "event_type" not in parsed:
            self._header(parsed, number, first)
            return
        if first and self.require_header:
            raise SerializationError(
                where,
                parsed,
                f'not a header line; expected {{"format": "{NDJSON_FORMAT}", "format_version": 2}}',
            )
        if self._newer is not None:
            self._reject(
                number, "", _short(line), f"follows a header of a newer format (version {self._newer})"
            )
            return
        try:
            event = decode_mapping(parsed, where + ".")
        except SerializationError as exc:
            self._reject(
                number, exc.field.removeprefix(where).removeprefix("."), _short(exc.value), exc.reason
            )
            return
        self.accepted += 1  # accepted by the reference path: upstream's dicts, type names, placeholders
        out.append(event)

    def _header(self, header: dict[str, Any], number: int, first: bool) -> None:
        where = f"line {number}"
        if header.get("format") != NDJSON_FORMAT:
            reason = f"not a {NDJSON_FORMAT!r} header line"
            if first and self.require_header:
                raise SerializationError(where + ".format", header.get("format"), reason)
            self._reject(number, "format", _short(header.get("format")), reason)
            return
        version = header.get("format_version")
        if type(version) is not int or version < 1:
            reason = f"expected a format version from 1 to {FORMAT_VERSION}"
            if first and self.require_header:
                raise SerializationError(where + ".format_version", version, reason)
            self._reject(number, "format_version", _short(version), reason)
            return
        if version > FORMAT_VERSION:
            reason = (
                f"written by a newer format (version {version}); this reader knows version {FORMAT_VERSION}"
            )
            if first:
                raise SerializationError(where + ".format_version", version, reason + "; nothing was read")
            self._newer = version  # the part after it cannot be trusted: every line of it is refused
            self._reject(number, "format_version", _short(version), reason)
            return
        self._newer = None
        if self.format_version is None:
            self.format_version = version

    def _too_long(self, size: int) -> None:
        self._skipping = 0
        if self.require_header and not self._started:
            raise SerializationError(f"line {self.lines}", f"{size:,} bytes", "too long for a header line")
        self._started = True
        self._reject(
            self.lines,
            "",
            f"{size:,} bytes",
            f"longer than the maximum event size of {self.max_line_bytes:,} bytes (MAX_EVENT_BYTES)",
        )

    def _reject(self, line: int, field: str, value: str, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(LineError(line, field, value, reason))

    def summary(self) -> dict[str, Any]:
        """What was read, as JSON-ready data for an import report or an HTTP response."""
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "lines": self.lines,
            "format_version": self.format_version,
            "errors": [e.to_dict() for e in self.errors],
            "errors_not_listed": self.rejected - len(self.errors),
        }


def _chunks(source: NdjsonSource) -> Iterator[bytes | bytearray | memoryview | str]:
    """Bounded chunks of a binary stream, or the chunks of an iterable (a whole ``bytes`` is one)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
        return
    read = getattr(source, "read1", None) or getattr(source, "read", None)  # read1: what has arrived
    if read is not None:
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                return
            yield chunk
    else:
        yield from source
