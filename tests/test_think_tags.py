from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pydantic_ai_groq.models.groq._think_tags import ThinkTagSplitter, split_think_tags


def test_whole_content():
    assert split_think_tags('<think>\nLet me see.\n</think>\n\nThe answer.') == [
        ('thinking', '\nLet me see.\n'),
        ('text', 'The answer.'),
    ]
    assert split_think_tags('No tags here.') == [('text', 'No tags here.')]
    assert split_think_tags('a <thin') == [('text', 'a <thin')]  # never completed: text after all
    assert split_think_tags('<think>cut off') == [('thinking', 'cut off')]
    assert split_think_tags('<think>x</think>') == [('thinking', 'x')]
    assert split_think_tags('<think>x</think>\n\n') == [('thinking', 'x')]
    assert split_think_tags('\n <think>x</think>\n\npost<think>y</think>') == [
        ('thinking', 'x'),
        ('text', 'post<think>y</think>'),
    ]
    assert split_think_tags('<think>a </thin b</think>c') == [('thinking', 'a </thin b'), ('text', 'c')]


def test_only_a_leading_block_is_thinking():
    # An answer that mentions the tag keeps all of its text.
    html = '<p>Models write <think>notes</think> first.</p>'
    assert split_think_tags(html) == [('text', html)]
    assert split_think_tags('pre<think>x</think>post') == [('text', 'pre<think>x</think>post')]
    assert split_think_tags('<thinking>x</thinking>') == [('text', '<thinking>x</thinking>')]
    assert split_think_tags('   ') == [('text', '   ')]


def _merge(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for kind, text in segments:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


pieces = st.lists(
    st.sampled_from(['<think>', '</think>', '\n', '\n\n', 'a', 'b c', '<', '</', 'think', '>', 'é']), max_size=12
)


@settings(max_examples=400, deadline=None)
@given(pieces, st.lists(st.integers(0, 60), max_size=8))
def test_any_chunking_gives_the_same_segments(parts: list[str], cuts: list[int]):
    content = ''.join(parts)
    points = sorted({min(c, len(content)) for c in cuts})
    chunks = [content[a:b] for a, b in zip([0, *points], [*points, len(content)], strict=True)]
    splitter = ThinkTagSplitter()
    streamed: list[tuple[str, str]] = []
    for chunk in chunks:
        streamed.extend(splitter.feed(chunk))
    streamed.extend(splitter.flush())
    assert _merge(streamed) == _merge(split_think_tags(content))
    assert all(text for _, text in streamed)
