from __future__ import annotations

import copy
import itertools
import json
import pickle
from typing import Any, cast

import pydantic_core
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_snapshot import snapshot

from pydantic_ai_groq._partial_json import NOTHING, PartialJsonError, PartialJsonParser

# ---------------------------------------------------------------------------------------------
# Oracles


def same(a: Any, b: Any) -> bool:
    """Deep equality that also tells `1` from `1.0` and `True`, which `==` does not."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        items = cast('list[Any]', a)
        return len(items) == len(b) and all(same(x, y) for x, y in zip(items, b, strict=True))
    if isinstance(a, dict):
        pairs = cast('dict[str, Any]', a)
        return pairs.keys() == b.keys() and all(same(v, b[k]) for k, v in pairs.items())
    return a == b


_NUMBER_CHARS = frozenset('0123456789+-.eE')


def string_mask(text: str) -> list[bool]:
    """For each character of valid JSON text, whether it belongs to a string (quotes included)."""
    mask: list[bool] = []
    inside = escaped = False
    for char in text:
        if inside:
            mask.append(True)
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                inside = False
        else:
            inside = char == '"'
            mask.append(inside)
    return mask


def expected_partial(prefix: str, mask: list[bool]) -> Any:
    """What the parser should show for `prefix`: pydantic-core's partial value, with our documented differences.

    - A number at the very end of the prefix is left out (it may still grow): read the prefix without it.
    - Where pydantic-core raises (nothing to show yet), the parser shows `NOTHING`.
    """
    end = len(prefix)
    while end and prefix[end - 1] in _NUMBER_CHARS and not mask[end - 1]:
        end -= 1
    if end < len(prefix) and prefix[end] not in '-0123456789':
        end = len(prefix)  # the run is the tail of `true` / `false`, not a number
    try:
        return pydantic_core.from_json(prefix[:end], allow_partial='trailing-strings')
    except ValueError:
        return NOTHING


# ---------------------------------------------------------------------------------------------
# Strategies

_tricky_chars = st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f é€😀𝄞\u2028\ufeff')
# No lone surrogates: pydantic-core rejects them (json.loads accepts them, as does the parser; tested below).
json_strings = st.text(st.one_of(_tricky_chars, st.characters(exclude_categories=['Cs'])), max_size=12)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    json_strings,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_strings, children, max_size=4),
    max_leaves=12,
)
_DUMP_OPTIONS: list[dict[str, Any]] = [
    {},
    {'separators': (',', ':')},
    {'indent': 2},
    {'ensure_ascii': False},
    {'indent': '\t', 'ensure_ascii': False, 'separators': (' , ', ' : ')},
]


@st.composite
def chunked_documents(draw: st.DrawFn) -> tuple[Any, str, list[str]]:
    value = draw(json_values)
    text = json.dumps(value, **draw(st.sampled_from(_DUMP_OPTIONS))) + draw(st.sampled_from(['', '', ' ', '\n  ']))
    if draw(st.booleans()):
        cuts = list(range(len(text)))  # one character at a time
    else:
        # Repeated cut points make empty pieces, which must be harmless.
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=30)))
    bounds = [0, *cuts, len(text)]
    return value, text, [text[a:b] for a, b in itertools.pairwise(bounds)]


def is_bare_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=250, deadline=None)
@given(chunked_documents())
def test_any_split_reads_like_pydantic_core_partial(document: tuple[Any, str, list[str]]):
    value, text, chunks = document
    mask = string_mask(text)
    parser = PartialJsonParser()
    fed = 0
    previous = copy.deepcopy(parser.value())
    for chunk in chunks:
        changed = parser.feed(chunk)
        fed += len(chunk)
        current = parser.value()
        # (2) After every piece: pydantic-core's partial value of the prefix, bar the documented differences.
        expected = expected_partial(text[:fed], mask)
        assert same(current, expected), (text[:fed], current, expected)
        # (3) `feed` says whether the value changed.
        assert changed == (not same(previous, current)), (chunk, previous, current)
        previous = copy.deepcopy(current)
    assert parser.text() == text
    # (1) The whole document reads like `json.loads`; a bare number needs the end declared (or whitespace).
    if is_bare_number(value) and text == text.rstrip():
        assert not parser.done
        assert parser.value() is NOTHING
        assert same(parser.finish(), json.loads(text))
    assert parser.done
    assert same(parser.value(), json.loads(text))
    assert same(parser.finish(), json.loads(text))
    # Linear work: a bounded number of loop iterations per character and per piece.
    assert parser._steps <= 2 * len(text) + len(chunks)  # pyright: ignore[reportPrivateUsage]


@settings(max_examples=100, deadline=None)
@given(json_values, st.integers(1, 8))
def test_containers_are_live_and_never_rebuilt(value: Any, size: int):
    text = json.dumps({'v': value, 'after': [1]})
    parser = PartialJsonParser()
    parser.feed(text[:size])
    root = parser.value()
    assert isinstance(root, dict)
    for start in range(size, len(text), size):
        parser.feed(text[start : start + size])
        assert parser.value() is root
    assert same(root, json.loads(text))


def test_work_is_linear_in_the_text_whatever_the_cut():
    def steps(text: str, size: int) -> int:
        parser = PartialJsonParser()
        for start in range(0, len(text), size):
            parser.feed(text[start : start + size])
        assert parser.done
        return parser._steps  # pyright: ignore[reportPrivateUsage]

    def document(n: int) -> str:
        items = [
            {'id': i, 'name': f'item {i}', 'score': i / 4, 'ok': i % 2 == 0, 'tags': ['a\n', None]} for i in range(n)
        ]
        return json.dumps({'title': 'T', 'summary': 'word "quoted" é ' * n, 'items': items}, indent=2)

    small, large = document(50), document(200)
    for size in (1, 3, 10):
        assert steps(large, size) <= 4.2 * steps(small, size)
    # Runs are consumed whole: a long string, whitespace or number fed at once is a few iterations.
    assert steps('"' + 'x' * 100_000 + '"', 100_002) == 2
    assert steps(' ' * 100_000 + '[]', 100_002) == 3
    assert steps('[' + '9' * 4000 + ']', 4002) == 4


# ---------------------------------------------------------------------------------------------
# Partial values, piece by piece


def feeds(*pieces: str) -> list[tuple[bool, Any]]:
    parser = PartialJsonParser()
    return [(parser.feed(piece), copy.deepcopy(parser.value())) for piece in pieces]


def test_nothing_before_a_value_can_be_shown():
    parser = PartialJsonParser()
    assert parser.value() is NOTHING
    assert parser.text() == ''
    assert not parser.done
    assert parser.feed('') is False
    assert parser.feed(' \n\t') is False
    assert parser.value() is NOTHING
    assert parser.feed('tr') is False
    assert parser.value() is NOTHING
    assert parser.feed('ue') is True
    assert parser.value() is True
    assert parser.done
    assert repr(NOTHING) == 'NOTHING'
    assert copy.deepcopy(NOTHING) is NOTHING
    assert pickle.loads(pickle.dumps(NOTHING)) is NOTHING


def test_pieces():
    assert feeds('{"ti', 'tle": "Hel', 'lo', '", "n": 1', '2', ', "x": [tr', 'ue, nu', 'll', ']}') == snapshot(
        [
            (True, {}),
            (True, {'title': 'Hel'}),
            (True, {'title': 'Hello'}),
            (False, {'title': 'Hello'}),
            (False, {'title': 'Hello'}),
            (True, {'title': 'Hello', 'n': 12, 'x': []}),
            (True, {'title': 'Hello', 'n': 12, 'x': [True]}),
            (True, {'title': 'Hello', 'n': 12, 'x': [True, None]}),
            (False, {'title': 'Hello', 'n': 12, 'x': [True, None]}),
        ]
    )


def test_numbers():
    assert feeds('[0, -0, 1', '5, -2.5e', '+3, 1E2, 0.5, 123456789012345678901234567890]') == snapshot(
        [(True, [0, 0]), (True, [0, 0, 15]), (True, [0, 0, 15, -2500.0, 100.0, 0.5, 123456789012345678901234567890])]
    )
    parser = PartialJsonParser()
    assert parser.feed('-1') is False
    assert parser.feed('2 ') is True
    assert parser.done
    assert parser.value() == -12
    assert parser.feed('\n') is False


def test_bare_number_needs_finish():
    parser = PartialJsonParser()
    parser.feed('4')
    parser.feed('2')
    assert not parser.done
    assert parser.value() is NOTHING
    assert parser.finish() == 42
    assert parser.done
    assert parser.finish() == 42
    with pytest.raises(PartialJsonError, match=r"unexpected '1' after the end of the document at position 2"):
        parser.feed('1')


def test_escapes_cut_anywhere():
    text = r'"a\n\"\\\/\b\f\r\t\u00e9\ud83d\ude00\uD834\uDD1E z"'
    expected = 'a\n"\\/\b\f\r\t\xe9😀𝄞 z'
    assert json.loads(text) == expected
    for cut in range(len(text) + 1):
        for cut2 in range(cut, len(text) + 1):
            parser = PartialJsonParser()
            parser.feed(text[:cut])
            parser.feed(text[cut:cut2])
            parser.feed(text[cut2:])
            assert parser.value() == expected


def test_cut_escape_is_left_out_until_complete():
    assert feeds('"ab\\', 'u00', 'e9', '\\ud83d', '\\', 'ude00"') == snapshot(
        [(True, 'ab'), (False, 'ab'), (True, 'abé'), (False, 'abé'), (False, 'abé'), (True, 'abé😀')]
    )


def test_lone_surrogates_read_like_json_loads():
    for text in [
        r'"\ud83d"',
        r'"\ud83dx"',
        r'"\ud83d\n"',
        r'"\ud83d\u0041"',
        r'"\ud83d\ud83d\ude00"',
        r'"\ude00"',
        r'"\ud83d\\"',
    ]:
        for cut in range(len(text) + 1):
            parser = PartialJsonParser()
            parser.feed(text[:cut])
            parser.feed(text[cut:])
            assert parser.value() == json.loads(text), (text, cut)
    # Held back while it may still pair; shown once the next character says it will not.
    assert feeds('"\\ud83d', '\\u', '004', '1"') == snapshot([(True, ''), (False, ''), (False, ''), (True, '\ud83dA')])


def test_keys_are_hidden_until_their_value_starts():
    assert feeds('{"a', 'b"', ' : ', '"', 'x', '"}') == snapshot(
        [(True, {}), (False, {}), (False, {}), (True, {'ab': ''}), (True, {'ab': 'x'}), (False, {'ab': 'x'})]
    )
    assert feeds('{"k\\', 'u00e9": 1}') == snapshot([(True, {}), (True, {'ké': 1})])


def test_duplicate_keys_last_wins():
    assert feeds('{"a": 1, "b": 2, "a": ', '1', ', "a": t', 'rue', ', "a": ""', ', "a": "', 'x', '", "a": [', ']}') == (
        snapshot(
            [
                (True, {'a': 1, 'b': 2}),
                (False, {'a': 1, 'b': 2}),
                (False, {'a': 1, 'b': 2}),
                (True, {'a': True, 'b': 2}),
                (True, {'a': '', 'b': 2}),
                (False, {'a': '', 'b': 2}),
                (True, {'a': 'x', 'b': 2}),
                (True, {'a': [], 'b': 2}),
                (False, {'a': [], 'b': 2}),
            ]
        )
    )
    assert feeds('{"a": [], "a": [', '1, 2], "a": {}, "a": {', '}}') == snapshot(
        [(True, {'a': []}), (True, {'a': {}}), (False, {'a': {}})]
    )
    assert json.loads('{"a": 1, "a": true}') == {'a': True}


def test_whitespace_everywhere():
    text = ' \n{ "a" :\t[ 1 , { } , [ ] , "x" , null ] ,\r\n "b" : { "c" : false } } \n '
    parser = PartialJsonParser()
    for char in text:
        parser.feed(char)
    assert parser.done
    assert parser.value() == json.loads(text)


def test_text_keeps_everything_fed():
    parser = PartialJsonParser()
    for piece in ('[1', '', ', "a', '"]', '  '):
        parser.feed(piece)
    assert parser.text() == '[1, "a"]  '
    assert parser.text() == '[1, "a"]  '
    parser.feed(' ')
    assert parser.text() == '[1, "a"]   '


# ---------------------------------------------------------------------------------------------
# Errors


def error(*pieces: str) -> str:
    parser = PartialJsonParser()
    with pytest.raises(PartialJsonError) as info:
        for piece in pieces:
            parser.feed(piece)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_errors_name_what_and_where():
    assert error('[1', '] x') == snapshot(
        "unexpected 'x' after the end of the document at position 4 (line 1, column 5)"
    )
    assert error('{"a": 1 "b"}') == snapshot("""expected ',' or '}', got '"' at position 8 (line 1, column 9)""")
    assert error('[1 2]') == snapshot("expected ',' or ']', got '2' at position 3 (line 1, column 4)")
    assert error('[1,]') == snapshot("expected a value, got ']' at position 3 (line 1, column 4)")
    assert error(']') == snapshot("expected a value, got ']' at position 0 (line 1, column 1)")
    assert error('{', '\n  1: 2}') == snapshot(
        """expected '"' to start a key, got '1' at position 4 (line 2, column 3)"""
    )
    assert error('{"a": 1,}') == snapshot("""expected '"' to start a key, got '}' at position 8 (line 1, column 9)""")
    assert error('{"a" 1}') == snapshot("expected ':', got '1' at position 5 (line 1, column 6)")
    assert error('[01]') == snapshot("invalid number '01' at position 1 (line 1, column 2)")
    assert error('[1.', ']') == snapshot("invalid number '1.' at position 1 (line 1, column 2)")
    assert error('[-', '-1]') == snapshot("invalid number '--1' at position 1 (line 1, column 2)")
    assert error('[' + '9' * 5000 + ']') == snapshot(
        'number out of range (5000 characters) at position 1 (line 1, column 2)'
    )
    assert error('[1x]') == snapshot("expected ',' or ']', got 'x' at position 2 (line 1, column 3)")
    assert error('[tx]') == snapshot("invalid literal, expected 'true' at position 2 (line 1, column 3)")
    assert error('[fa', 'lse, nul', 'x]') == snapshot(
        "invalid literal, expected 'null' at position 11 (line 1, column 12)"
    )
    assert error('"a\nb"') == snapshot(r"control character '\n' in a string at position 2 (line 1, column 3)")
    assert error('"\\x"') == snapshot(r"invalid escape '\\x' at position 2 (line 1, column 3)")
    assert error('"\\u0', '0g0"') == snapshot(
        r"invalid \u escape, 'g' is not a hex digit at position 5 (line 1, column 6)"
    )
    assert error('"\\ud83d\\ud8x"') == snapshot(
        r"invalid \u escape, 'x' is not a hex digit at position 11 (line 1, column 12)"
    )


def test_errors_are_sticky():
    parser = PartialJsonParser()
    parser.feed('[1, ')
    with pytest.raises(PartialJsonError) as info:
        parser.feed('}')
    first = info.value
    assert (first.message, first.position, first.line, first.column) == ("expected a value, got '}'", 4, 1, 5)
    assert parser.value() == [1]
    copied = pickle.loads(pickle.dumps(first))
    assert (type(copied), str(copied), copied.position) == (PartialJsonError, str(first), 4)
    with pytest.raises(PartialJsonError, match='at position 4') as info:
        parser.feed('2]')
    assert info.value is not first
    with pytest.raises(PartialJsonError, match='at position 4'):
        parser.feed('')
    with pytest.raises(PartialJsonError, match='at position 4'):
        parser.finish()


def test_finish_rejects_an_incomplete_document():
    for pieces in [(), (' ',), ('[1',), ('"ab',), ('{"a": tr',), ('-',)]:
        parser = PartialJsonParser()
        for piece in pieces:
            parser.feed(piece)
        with pytest.raises(PartialJsonError) as info:
            parser.finish()
        if pieces == ('-',):
            assert info.value.message == "invalid number '-'"
        else:
            assert info.value.message == 'unexpected end of the document'
            assert info.value.position == len(''.join(pieces))
