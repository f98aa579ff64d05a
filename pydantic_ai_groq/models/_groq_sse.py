"""Server-sent events, read as the WHATWG HTML spec's "event stream interpretation" reads them.

The `groq` SDK's own reader (`groq._streaming.SSEDecoder`) follows the same spec; the test
suite checks that, for random event streams cut at random places, this decoder yields the
events that one yields. What the spec asks and a naive line splitter misses:

- lines end with LF, CR or CRLF (a CRLF may be cut between two network chunks);
- an event is dispatched at a blank line, and only if it has a `data` field; the blank line
  clears the event name either way (`event: ping` without data names nothing after it);
- several `data` lines in one event are joined with a newline;
- a UTF-8 byte order mark before the first line is dropped;
- a line starting with `:` is a comment; `id` and `retry` do not matter to a chat completion;
- an event that the end of the stream cuts off before its blank line is not dispatched.

The one thing the spec leaves open, a line's length, is capped at `MAX_LINE_BYTES`: a longer
line is an error rather than memory without bound. Lines are assembled from a list of pieces,
so one long line costs time linear in its length.
"""

from __future__ import annotations

from ..exceptions import UnexpectedModelBehavior

__all__ = ('MAX_LINE_BYTES', 'SSEDecoder', 'ServerSentEvent')

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest line accepted (16 MiB): far above any chunk Groq sends, even a whole tool call."""

_BOM = b'\xef\xbb\xbf'

ServerSentEvent = tuple[bytes, bytes]
"""An event as `(name, data)`: `name` is `b''` when the event named none (a plain message)."""


class SSEDecoder:
    """Turns the bytes of an event stream, in chunks cut anywhere, into `(name, data)` events."""

    __slots__ = ('_after_cr', '_data', '_event', '_head', '_max_line', '_partial', '_partial_size', '_started')

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        """Start at the beginning of a stream.

        Args:
            max_line: The longest line accepted, in bytes.
        """
        self._max_line = max_line
        self._started = False  # past the place where a byte order mark may stand
        self._head = b''  # the first bytes, while they may still be a byte order mark
        self._after_cr = False  # the last chunk ended with CR: a LF next ends the same line
        self._partial: list[bytes] = []  # pieces of the line not yet ended
        self._partial_size = 0
        self._event = b''
        self._data: list[bytes] | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Read one more chunk of the stream.

        Returns:
            The events the chunk completed, in order.

        Raises:
            UnexpectedModelBehavior: A line longer than the cap.
        """
        if not self._started:
            chunk = self._strip_bom(chunk)
        if self._after_cr and chunk:
            self._after_cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if b'\r' in chunk:
            self._after_cr = chunk[-1:] == b'\r'
            chunk = chunk.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
        if b'\n' not in chunk:
            if chunk:
                self._hold(chunk)
            return []
        lines = chunk.split(b'\n')
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = b''.join(self._partial)
            if len(lines[0]) > self._max_line:
                self._line_too_long(len(lines[0]))
        tail = lines.pop()
        self._partial = [tail] if tail else []
        self._partial_size = len(tail)
        if len(chunk) > self._max_line:
            self._check_lengths([*lines, tail])
        return self._events(lines)

    def _events(self, lines: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data, event = self._data, self._event
        for line in lines:
            if not line:  # a blank line ends the event
                if data is not None:
                    events.append((event, b'\n'.join(data)))
                    data = None
                event = b''
            elif line.startswith(b'data:'):  # the usual line first
                value = line[6:] if line.startswith(b' ', 5) else line[5:]
                if data is None:
                    data = [value]
                else:
                    data.append(value)
            else:
                colon = line.find(b':')
                if colon < 0:
                    field, value = line, b''
                else:
                    field = line[:colon]
                    value = line[colon + 2 :] if line.startswith(b' ', colon + 1) else line[colon + 1 :]
                if field == b'event':
                    event = value
                elif field == b'data':  # `data` without a colon: an empty data line
                    data = [value] if data is None else [*data, value]
                # `id`, `retry`, comments (an empty field name) and unknown fields change nothing here
        self._data, self._event = data, event
        return events

    def _hold(self, piece: bytes) -> None:
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._partial_size > self._max_line:
            self._line_too_long(self._partial_size)

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = self._head + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head
            return b''
        self._started = True
        self._head = b''
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _check_lengths(self, lines: list[bytes]) -> None:
        for line in lines:
            if len(line) > self._max_line:
                self._line_too_long(len(line))

    def _line_too_long(self, size: int) -> None:
        raise UnexpectedModelBehavior(
            f'Groq sent a stream line of more than {self._max_line:,} bytes (at least {size:,}); '
            'lines that long are refused rather than held in memory'
        )
