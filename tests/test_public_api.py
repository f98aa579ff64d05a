"""The package's one list of public names matches what it exports, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys
import types

import pydantic_ai_groq


def test_every_listed_name_is_importable() -> None:
    missing = [name for name in pydantic_ai_groq.__all__ if not hasattr(pydantic_ai_groq, name)]
    assert missing == []


def test_every_public_name_is_listed_once() -> None:
    listed = pydantic_ai_groq.__all__
    assert len(set(listed)) == len(listed)
    for name in listed:
        getattr(pydantic_ai_groq, name)  # load the lazy ones too
    public = {
        name
        for name, value in vars(pydantic_ai_groq).items()
        if not name.startswith('_') and not isinstance(value, types.ModuleType) and name != 'annotations'
    }
    assert public == set(listed)
    assert set(listed) <= set(dir(pydantic_ai_groq))


def test_unknown_names_raise_attribute_error() -> None:
    try:
        pydantic_ai_groq.NoSuchName  # type: ignore[attr-defined]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue]
    except AttributeError as error:
        assert "has no attribute 'NoSuchName'" in str(error)
    else:  # pragma: no cover - the assertion is the test
        raise AssertionError('expected AttributeError')


def test_importing_the_package_loads_neither_groq_nor_opentelemetry_nor_mcp() -> None:
    code = (
        'import sys, pydantic_ai_groq\n'
        'from pydantic_ai_groq import Agent, ModelRequest, ToolOutput\n'
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('groq', 'opentelemetry', 'mcp', 'dbos'))\n"
        'print(heavy)\n'
        'pydantic_ai_groq.GroqModel\n'
        "print('groq' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ['[]', 'True']


def test_every_agent_event_is_exported() -> None:
    from pydantic_ai_groq import messages

    events = {name for name in messages.__all__ if name.endswith('Event') and isinstance(getattr(messages, name), type)}
    assert events >= {'PartEndEvent', 'OutputToolCallEvent', 'OutputToolResultEvent', 'FinalResultEvent'}
    assert events <= set(pydantic_ai_groq.__all__)
