"""Incremental parsing of one JSON document that arrives in pieces, such as streamed structured output.

Re-parsing the whole buffer after every piece costs time quadratic in the number of pieces.
`PartialJsonParser` keeps its state between pieces instead: each `feed` costs time linear in the
piece, and `value` hands out the live containers built so far, patching in only the string being
read, so a whole document costs time linear in its length however finely it was cut.

The partial value means what `pydantic_core.from_json(buffer, allow_partial='trailing-strings')`
means, with the differences listed on `PartialJsonParser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Any, Final, cast

__all__ = ('NOTHING', 'PartialJsonError', 'PartialJsonParser')


class _Nothing(Enum):
    NOTHING = 'NOTHING'

    def __repr__(self) -> str:
        return 'NOTHING'


NOTHING: Final = _Nothing.NOTHING
"""What `PartialJsonParser.value` returns before any part of the top-level value can be shown.

An enum member, so it survives `copy.deepcopy` and pickling as itself: compare with `is`.
"""

_Container = list[Any] | dict[str, Any]

# What the parser expects next. Plain ints rather than an Enum: the main loop compares them once
# per token and attribute lookups on Enum members would dominate the cost of small pieces.
_VALUE: Final = 0  # a value: at the top level, after ':' and after ',' in an array
_VALUE_OR_CLOSE: Final = 1  # just after '[': a value or ']'
_KEY: Final = 2  # after ',' in an object: a key
_KEY_OR_CLOSE: Final = 3  # just after '{': a key or '}'
_COLON: Final = 4
_NEXT: Final = 5  # after a value in a container: ',' or the container's closer
_STRING: Final = 6
_NUMBER: Final = 7
_LITERAL: Final = 8
_DONE: Final = 9

_WHITESPACE: Final = ' \t\n\r'
_NUMBER_STARTS: Final = '-0123456789'
_LITERALS: Final[dict[str, tuple[str, Any]]] = {'t': ('true', True), 'f': ('false', False), 'n': ('null', None)}
_SIMPLE_ESCAPES: Final = {'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

# The patterns that can match nothing always match: typed so, to spare a check of the result.
_AlwaysMatch = Callable[[str, int], re.Match[str]]
_skip_whitespace = cast(_AlwaysMatch, re.compile(r'[ \t\n\r]*').match)
# JSON forbids raw control characters in strings, so they end a run as well as quotes and escapes.
_find_string_stop = re.compile(r'["\\\x00-\x1f]').search
# Numbers are gathered as runs of the characters they may contain and checked whole once they end,
# so a number cut into many pieces is not re-scanned for each one.
_match_number_run = cast(_AlwaysMatch, re.compile(r'[0-9eE.+\-]*').match)
_match_number = re.compile(r'-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?').fullmatch
_match_hex = cast(Callable[[str], re.Match[str]], re.compile(r'[0-9a-fA-F]{0,4}').match)

# The longest escape is a surrogate pair, `\uD83D\uDE00`: its first half is held until the second shows.
_LONGEST_ESCAPE: Final = 12


class PartialJsonError(ValueError):
    """The text fed to a `PartialJsonParser` is not (the beginning of) a JSON document.

    Attributes:
        message: What was wrong, without the position.
        position: Index of the offending character in the whole text fed so far (0-based).
        line: Line of the offending character (1-based).
        column: Column of the offending character within its line (1-based).
    """

    def __init__(self, message: str, position: int, line: int, column: int) -> None:
        super().__init__(f'{message} at position {position} (line {line}, column {column})')
        self.message = message
        self.position = position
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[PartialJsonError], tuple[str, int, int, int]]:
        # The default pickles `args`, the formatted message alone, which `__init__` cannot take back.
        return type(self), (self.message, self.position, self.line, self.column)


def _again(error: PartialJsonError) -> PartialJsonError:
    # A fresh copy to raise: raising the same one again would pile the new traceback onto its own.
    return PartialJsonError(error.message, error.position, error.line, error.column)


class PartialJsonParser:
    r"""Parses one JSON document fed in pieces; the partial value is available after every piece.

    ```python
    parser = PartialJsonParser()
    for piece in pieces:
        if parser.feed(piece):
            show(parser.value())
    ```

    Feeding costs time linear in the text fed, whatever its cut: strings, whitespace and numbers
    are consumed in runs, and escapes, numbers and literals cut between pieces are resumed rather
    than re-read. `value()` costs time proportional to the string being read, if any, and nothing
    else: the objects and arrays it returns are the parser's own, grown in place by later feeds.

    The partial value follows `pydantic_core.from_json(text, allow_partial='trailing-strings')`:
    complete scalars and containers, containers still open with what they hold so far, and a
    string still open with what it holds so far (less an escape cut short), but not a literal cut
    short, a key without its value yet, or a number cut short. It differs from pydantic-core in
    these ways:

    - A number is left out until the character after it arrives, even when what has arrived is a
      valid number: `[1, 2` reads as `[1]`, `{"a": 12` as `{}`, a document `12` as `NOTHING`,
      where pydantic-core reads `[1, 2]`, `{'a': 12}` and `12`: the next piece may extend it, and
      showing `2` before `25` would show a value the document never held. A document that is a
      bare number is therefore complete only once whitespace follows it or `finish()` is called.
    - Before anything can be shown (nothing fed, only whitespace, or the start of a top-level
      number or literal) `value()` returns `NOTHING`, where pydantic-core raises.
    - A lone UTF-16 surrogate escape (`"\ud83d"` not followed by a low surrogate escape) reads as
      the lone surrogate character, like `json.loads`, where pydantic-core raises. A high
      surrogate is left out of the partial value until the next character shows whether it pairs.
    - Invalid text raises with its position as soon as it is seen to be invalid (a malformed number
      once it ends); pydantic-core's partial mode ignores some garbage after a complete value
      (`1 2` and `[1x` read as `1` and `[1]`), this parser raises.
    - Duplicate keys: the last wins, as in `json.loads` and pydantic-core, and the key keeps its
      first position, like a `dict` assignment.
    """

    __slots__ = (
        '_chunks',
        '_escape',
        '_escape_start',
        '_failure',
        '_in_key',
        '_key',
        '_literal',
        '_literal_value',
        '_matched',
        '_mode',
        '_number',
        '_number_start',
        '_offset',
        '_parts',
        '_root',
        '_stack',
        '_stale',
        '_steps',
    )

    def __init__(self) -> None:
        self._chunks: list[str] = []
        # Position of the current piece's first character in the whole text: error positions are
        # reported against the whole text, not the piece.
        self._offset = 0
        self._mode: int = _VALUE
        self._stack: list[_Container] = []
        self._root: Any = NOTHING
        # Only the innermost object's key is needed: an outer object's value is attached the
        # moment it starts, and nothing more is added to the outer object until it is complete.
        self._key = ''
        self._parts: list[str] = []
        self._in_key = False
        self._stale = False
        self._escape = ''
        self._escape_start = 0
        self._number: list[str] = []
        self._number_start = 0
        self._literal = ''
        self._literal_value: Any = None
        self._matched = 0
        self._failure: PartialJsonError | None = None
        # Main-loop iterations: lets the tests check the work is linear without timing anything.
        self._steps = 0

    @property
    def done(self) -> bool:
        """Whether the top-level value is complete; only whitespace may follow."""
        return self._mode == _DONE

    def text(self) -> str:
        """Everything fed so far."""
        chunks = self._chunks
        if len(chunks) > 1:
            # Keep the joined text so repeated calls do not join the same pieces again.
            chunks[:] = [''.join(chunks)]
        return chunks[0] if chunks else ''

    def value(self) -> Any:
        """The value of the text fed so far, or `NOTHING` when there is none yet.

        The result is live: the objects and arrays in it are the parser's own, and later feeds
        add to them in place. Use it (validate it, copy it) before the next `feed`, and do not
        change it. Strings, numbers and the rest are immutable and so are always safe to keep.

        Returns:
            The partial value, as described on `PartialJsonParser`.
        """
        if self._stale and self._mode == _STRING and not self._in_key:
            # Collapse the fragments so the next call joins one string and the new fragments only.
            text = ''.join(self._parts)
            self._parts = [text]
            self._stale = False
            self._patch(text)
        return self._root

    def feed(self, text: str) -> bool:
        """Consume the next piece of the document.

        Args:
            text: The next piece; may be empty, and may cut the document anywhere.

        Returns:
            Whether `value()` changed: an item, key/value pair or scalar appeared, a string grew,
            or a duplicate key's value was replaced by a different one (a value of another type,
            or not equal).

        Raises:
            PartialJsonError: The text so far is not the beginning of a JSON document, or
                something other than whitespace follows the complete document. The parser is
                unusable afterwards: later feeds raise the same error.
        """
        if self._failure is not None:
            raise _again(self._failure)
        if not text:
            return False
        self._chunks.append(text)
        try:
            return self._consume(text)
        finally:
            self._offset += len(text)

    def finish(self) -> Any:
        """Declare the end of the document and return its complete value.

        Needed only for a document that is a bare number, which otherwise stays incomplete because
        another digit could still follow; for any other document it checks `done`.

        Returns:
            The complete value.

        Raises:
            PartialJsonError: The document is incomplete or invalid.
        """
        if self._failure is not None:
            raise _again(self._failure)
        if self._mode == _NUMBER and not self._stack:
            self._end_number()
            self._mode = _DONE
        if self._mode != _DONE:
            raise self._fail('unexpected end of the document', self._offset)
        return self._root

    def _consume(self, text: str) -> bool:
        changed = False
        pos = 0
        end = len(text)
        mode = self._mode
        stack = self._stack
        steps = 0
        while pos < end:
            steps += 1
            if mode == _STRING:
                if self._escape:
                    count = len(self._parts)
                    pos = self._resume_escape(text, pos)
                    if len(self._parts) != count:
                        self._stale = True
                        changed = changed or not self._in_key
                    if self._escape:
                        break
                stop = _find_string_stop(text, pos)
                if stop is None:
                    if pos < end:
                        self._parts.append(text[pos:])
                        self._stale = True
                        changed = changed or not self._in_key
                    break
                at = stop.start()
                if at > pos:
                    self._parts.append(text[pos:at])
                    self._stale = True
                    changed = changed or not self._in_key
                char = text[at]
                if char == '"':
                    pos = at + 1
                    mode = self._end_string()
                elif char == '\\':
                    decoded = self._decode_escape(text, at, self._offset)
                    if decoded is None:
                        self._escape = text[at:]
                        self._escape_start = self._offset + at
                        break
                    self._parts.append(decoded[0])
                    self._stale = True
                    changed = changed or not self._in_key
                    pos = decoded[1]
                else:
                    raise self._fail(f'control character {char!r} in a string', self._offset + at)
                continue
            if mode == _NUMBER:
                stop = _match_number_run(text, pos).end()
                if stop > pos:
                    self._number.append(text[pos:stop])
                    pos = stop
                    if pos == end:
                        break
                # The character at `pos` ends the number; the next state decides whether it is allowed.
                changed = self._end_number() or changed
                mode = _NEXT if stack else _DONE
                continue
            if mode == _LITERAL:
                literal = self._literal
                wanted = literal[self._matched :]
                piece = text[pos : pos + len(wanted)]
                if not wanted.startswith(piece):
                    bad = 0
                    while piece[bad] == wanted[bad]:
                        bad += 1
                    raise self._fail(f'invalid literal, expected {literal!r}', self._offset + pos + bad)
                pos += len(piece)
                self._matched += len(piece)
                if self._matched == len(literal):
                    changed = self._attach(self._literal_value) or changed
                    mode = _NEXT if stack else _DONE
                continue

            char = text[pos]
            if char in _WHITESPACE:
                pos = _skip_whitespace(text, pos + 1).end()
                continue
            if mode == _NEXT:
                top = stack[-1]
                if char == ',':
                    mode = _VALUE if isinstance(top, list) else _KEY
                elif char == (']' if isinstance(top, list) else '}'):
                    stack.pop()
                    mode = _NEXT if stack else _DONE
                else:
                    closer = ']' if isinstance(top, list) else '}'
                    raise self._fail(f"expected ',' or {closer!r}, got {char!r}", self._offset + pos)
                pos += 1
            elif mode in (_VALUE, _VALUE_OR_CLOSE):
                if char == '"':
                    changed = self._attach('') or changed
                    self._parts = []
                    self._in_key = False
                    self._stale = False
                    mode = _STRING
                    pos += 1
                elif char == '{':
                    container: dict[str, Any] = {}
                    changed = self._attach(container) or changed
                    stack.append(container)
                    mode = _KEY_OR_CLOSE
                    pos += 1
                elif char == '[':
                    array: list[Any] = []
                    changed = self._attach(array) or changed
                    stack.append(array)
                    mode = _VALUE_OR_CLOSE
                    pos += 1
                elif char in _NUMBER_STARTS:
                    self._number = []
                    self._number_start = self._offset + pos
                    mode = _NUMBER
                elif char in _LITERALS:
                    self._literal, self._literal_value = _LITERALS[char]
                    self._matched = 0
                    mode = _LITERAL
                elif char == ']' and mode == _VALUE_OR_CLOSE:
                    stack.pop()
                    mode = _NEXT if stack else _DONE
                    pos += 1
                else:
                    raise self._fail(f'expected a value, got {char!r}', self._offset + pos)
            elif mode in (_KEY, _KEY_OR_CLOSE):
                if char == '"':
                    self._parts = []
                    self._in_key = True
                    mode = _STRING
                elif char == '}' and mode == _KEY_OR_CLOSE:
                    stack.pop()
                    mode = _NEXT if stack else _DONE
                else:
                    raise self._fail(f"expected '\"' to start a key, got {char!r}", self._offset + pos)
                pos += 1
            elif mode == _COLON:
                if char != ':':
                    raise self._fail(f"expected ':', got {char!r}", self._offset + pos)
                mode = _VALUE
                pos += 1
            else:  # _DONE
                raise self._fail(f'unexpected {char!r} after the end of the document', self._offset + pos)
        self._mode = mode
        self._steps += steps
        return changed

    def _attach(self, value: Any) -> bool:
        """Put a new value where the parser is; return whether the partial value changed."""
        stack = self._stack
        if not stack:
            self._root = value
            return True
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
            return True
        old = top.get(self._key, NOTHING)
        top[self._key] = value
        # A duplicate key replaces the earlier value; only a different one counts as a change.
        # A new container is empty, so comparing with an old one stops at their lengths.
        return old is NOTHING or type(old) is not type(value) or old != value

    def _patch(self, text: str) -> None:
        """Replace the string being read, already attached, with its latest text."""
        stack = self._stack
        if not stack:
            self._root = text
            return
        top = stack[-1]
        # Nothing is added to a container while one of its strings is being read, so the string
        # is its last item, or the value of its current key.
        if isinstance(top, list):
            top[-1] = text
        else:
            top[self._key] = text

    def _end_string(self) -> int:
        text = ''.join(self._parts)
        self._parts = []
        self._stale = False
        if self._in_key:
            self._key = text
            return _COLON
        self._patch(text)
        return _NEXT if self._stack else _DONE

    def _end_number(self) -> bool:
        text = ''.join(self._number)
        self._number = []
        match = _match_number(text)
        if match is None:
            raise self._fail(f'invalid number {text!r}', self._number_start)
        # A fraction or an exponent makes a float, as in `json.loads`; otherwise ints stay exact.
        if match.lastindex is not None:
            return self._attach(float(text))
        try:
            number = int(text)
        except ValueError:  # more digits than `sys.get_int_max_str_digits()` allows
            raise self._fail(f'number out of range ({len(text)} characters)', self._number_start) from None
        return self._attach(number)

    def _resume_escape(self, text: str, pos: int) -> int:
        """Finish an escape cut off at the end of the previous piece; return where the string goes on."""
        while self._escape:
            held = self._escape
            joined = held + text[pos : pos + _LONGEST_ESCAPE]
            decoded = self._decode_escape(joined, 0, self._escape_start)
            if decoded is None:
                # Undecided with up to 12 more characters means the piece had fewer: all of it is held.
                self._escape = joined
                return len(text)
            char, stop = decoded
            self._parts.append(char)
            if stop >= len(held):
                self._escape = ''
                pos += stop - len(held)
            else:
                # A lone high surrogate gave back the start of the next escape, still in `held`.
                self._escape = held[stop:]
                self._escape_start += stop
        return pos

    def _decode_escape(self, text: str, at: int, offset: int) -> tuple[str, int] | None:
        """Decode the escape at `text[at]` (a backslash).

        Returns:
            The decoded text and the index after the escape, or `None` when `text` ends before
            the escape is decided.
        """
        if at + 1 >= len(text):
            return None
        kind = text[at + 1]
        simple = _SIMPLE_ESCAPES.get(kind)
        if simple is not None:
            return simple, at + 2
        if kind != 'u':
            escape = '\\' + kind
            raise self._fail(f'invalid escape {escape!r}', offset + at + 1)
        digits = text[at + 2 : at + 6]
        good = _match_hex(digits).end()
        if good < len(digits):
            raise self._fail(f'invalid \\u escape, {digits[good]!r} is not a hex digit', offset + at + 2 + good)
        if good < 4:
            return None
        code = int(digits, 16)
        if not 0xD800 <= code <= 0xDBFF:
            return chr(code), at + 6
        # A high surrogate: a low surrogate escape may follow to make one character with it.
        lone = chr(code), at + 6
        if at + 6 >= len(text):
            return None
        if text[at + 6] != '\\':
            return lone
        if at + 7 >= len(text):
            return None
        if text[at + 7] != 'u':
            return lone
        digits = text[at + 8 : at + 12]
        good = _match_hex(digits).end()
        if good < len(digits):
            return lone  # the next escape is bad; decoding it again reports that
        if good < 4:
            return None
        low = int(digits, 16)
        if not 0xDC00 <= low <= 0xDFFF:
            return lone
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), at + 12

    def _fail(self, message: str, position: int) -> PartialJsonError:
        text = self.text()
        line = text.count('\n', 0, position) + 1
        column = position - text.rfind('\n', 0, position)
        self._failure = PartialJsonError(message, position, line, column)
        return self._failure
