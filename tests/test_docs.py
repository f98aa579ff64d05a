"""Every Python example in README.md and docs/ runs, against the emulator, so the docs cannot drift."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pydantic_ai_groq.testing import GroqEmulator

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r'^```python\n(.*?)^```', re.DOTALL | re.MULTILINE)


def _examples() -> Iterator[object]:
    for path in [ROOT / 'README.md', *sorted((ROOT / 'docs').glob('*.md'))]:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count('\n', 0, match.start()) + 2
            yield pytest.param(path, line, match.group(1), id=f'{path.name}:{line}')


@pytest.fixture(scope='module')
def groq_url() -> Iterator[str]:
    # The examples call GroqModel(...) without arguments: the key and URL come from the environment.
    with GroqEmulator().serve() as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # Examples configure logging as a program would; the tests after them must not inherit it.
    loggers = (logging.getLogger(), logging.getLogger('pydantic_ai_groq'))
    saved = [(logger, logger.level, logger.handlers[:]) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.mark.parametrize(('path', 'line', 'code'), list(_examples()))
def test_example_runs(path: Path, line: int, code: str, groq_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('GROQ_API_KEY', 'docs-example-key')
    monkeypatch.setenv('GROQ_BASE_URL', groq_url)
    # Line numbers in tracebacks point into the Markdown file.
    compiled = compile('\n' * (line - 1) + code, str(path), 'exec')
    namespace: dict[str, object] = {'__name__': '__main__'}
    exec(compiled, namespace)
    namespace.clear()
    gc.collect()  # unclosed clients are reported here, under this test's warning filter, not at exit


def test_there_are_examples():
    assert len(list(_examples())) >= 15


def _public_modules() -> set[str]:
    """The package's modules whose dotted names have no part with a leading `_`, found on disk."""
    package = ROOT / 'pydantic_ai_groq'
    modules: set[str] = set()
    for path in package.rglob('*.py'):
        parts = path.relative_to(package).with_suffix('').parts
        parts = parts[:-1] if parts[-1] == '__init__' else parts
        if parts and not any(part.startswith('_') for part in parts):
            modules.add('.'.join(parts))
    return modules


def test_every_public_module_has_an_api_page_in_the_nav():
    modules = _public_modules()
    assert {'agent', 'instrumentation', 'models.groq', 'testing', 'cli'} <= modules
    nav = (ROOT / 'mkdocs.yml').read_text()
    for module in sorted(modules):
        page = ROOT / 'docs' / 'api' / f'{module}.md'
        assert page.read_text().startswith(f'::: pydantic_ai_groq.{module}\n'), module
        assert f'api/{module}.md' in nav, module
