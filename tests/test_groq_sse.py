"""The event-stream decoder against the SSE spec and against the `groq` SDK's own decoder."""

from __future__ import annotations

import pytest
from groq._streaming import SSEDecoder as SDKDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

from pydantic_ai_groq.exceptions import UnexpectedModelBehavior
from pydantic_ai_groq.models.groq._sse import MAX_LINE_BYTES, SSEDecoder

BOM = '\ufeff'


def decode(chunks: list[bytes], max_line: int = MAX_LINE_BYTES) -> list[tuple[str, str]]:
    decoder = SSEDecoder(max_line)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return [(name.decode(), data.decode()) for name, data in events]


def test_spec_examples():
    # Multi-line data is joined with a newline; comments and unknown fields change nothing.
    assert decode([b': hello\ndata: first\ndata:second\nid: 1\nretry: 5\nfoo: bar\n\n']) == [('', 'first\nsecond')]
    # `data` without a colon is an empty data line; a field value keeps all but one leading space.
    assert decode([b'data\ndata:  two\n\n']) == [('', '\n two')]
    # CR, LF and CRLF all end lines, also when CRLF is cut between chunks.
    assert decode([b'data: a\r\rdata: b\r\n\r', b'\ndata: c\n\n']) == [('', 'a'), ('', 'b'), ('', 'c')]
    # A byte order mark before the first line is dropped, also when it arrives a byte at a time.
    assert decode([b'\xef', b'\xbb', b'\xbfdata: x\n\n']) == [('', 'x')]
    assert decode([b'\xef\xbb\xbf']) == []


def test_event_name_is_cleared_at_every_blank_line():
    # An `event:` block without data is dispatched as nothing, and names nothing after it.
    assert decode([b'event: ping\n\ndata: Hello world\n\n']) == [('', 'Hello world')]
    assert decode([b'event: error\n\ndata: {}\n\n']) == [('', '{}')]
    assert decode([b'event: error\ndata: {}\n\n']) == [('error', '{}')]


def test_an_event_cut_off_by_the_end_is_not_dispatched():
    assert decode([b'data: one\n\ndata: two\n']) == [('', 'one')]
    assert decode([b'data: one\n\ndata: tw']) == [('', 'one')]


def test_line_length_is_capped():
    assert decode([b'data: ' + b'x' * 94 + b'\n\n'], max_line=100) == [('', 'x' * 94)]
    with pytest.raises(UnexpectedModelBehavior, match=r'more than 100 bytes'):
        decode([b'data: ' + b'x' * 95 + b'\n\n'], max_line=100)
    # A line that never ends is refused as soon as it passes the cap, however it is cut.
    with pytest.raises(UnexpectedModelBehavior, match=r'more than 100 bytes \(at least 101\)'):
        decode([b'data: '] + [b'x'] * 200, max_line=100)
    with pytest.raises(UnexpectedModelBehavior, match=r'more than 100 bytes'):
        decode([b'data: ' + b'x' * 60, b'x' * 60 + b'\n\n'], max_line=100)


def test_a_long_line_in_many_pieces_is_assembled_once():
    # 4 MiB in 4 KiB pieces: joined once at its end (the old reader re-copied the line per piece).
    piece = b'x' * 4096
    assert decode([b'data: ', *[piece] * 1024, b'\n\n']) == [('', 'x' * 4096 * 1024)]


# --- the property: what the SDK's decoder yields --------------------------------------------------------

_value = st.text(st.characters(blacklist_characters='\r\n', blacklist_categories=('Cs',)), max_size=12)
_line = st.one_of(
    st.tuples(st.sampled_from(['data', 'event', 'id', 'retry', '', 'foo', 'dat']), st.booleans(), _value).map(
        lambda field: f'{field[0]}:{" " if field[1] else ""}{field[2]}'
    ),
    st.sampled_from(['data', 'event', 'data:', 'event:', 'retry: 12', 'id: 7', ': comment', 'data: [DONE]']),
)
_block = st.lists(_line, max_size=5)
_ending = st.sampled_from(['\n', '\r', '\r\n'])


@st.composite
def event_streams(draw: st.DrawFn) -> str:
    """Blocks of field lines, each line with its own line ending, blocks ended by blank lines (or not)."""
    text: list[str] = []
    for block in draw(st.lists(_block, max_size=8)):
        for line in block:
            text.append(line + draw(_ending))
        text.append(draw(st.sampled_from(['', '\n', '\r', '\r\n', '\n\n'])))
    return ''.join(text)


def _cut(data: bytes, points: list[int]) -> list[bytes]:
    cuts = sorted({min(point, len(data)) for point in points})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@settings(max_examples=500, deadline=None)
@given(event_streams(), st.lists(st.integers(0, 400), max_size=12), st.booleans())
def test_decodes_as_the_sdk_does(stream: str, points: list[int], bom: bool):
    raw = stream.encode()
    ours = decode(_cut((BOM.encode() if bom else b'') + raw, points))
    # The SDK keeps a BOM in the first field name (the spec drops it): it gets the stream without.
    sdk = [(event.event or '', event.data) for event in SDKDecoder().iter_bytes(iter(_cut(raw, points)))]
    # The SDK also dispatches blocks without data (id/event/retry only) as empty events, which the
    # spec does not and a chat completion reader would skip: compare the events that carry data.
    assert [event for event in ours if event[1]] == [event for event in sdk if event[1]]
