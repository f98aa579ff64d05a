"""docs/architecture.md names every module of the package, and only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / 'pydantic_ai_groq'


def _rooms() -> list[str]:
    """The paths the "Rooms" table names in its first column, relative to the package."""
    text = (ROOT / 'docs' / 'architecture.md').read_text()
    table = text.split('## Rooms', 1)[1].split('\n## ', 1)[0]
    names: list[str] = []
    for line in table.splitlines():
        cells = line.split('|')
        if len(cells) > 2 and not set(cells[1].strip()) <= {'-', ' '} and cells[1].strip() != 'module':
            names.extend(re.findall(r'`([^`]+)`', cells[1]))
    return names


def test_every_named_module_exists() -> None:
    missing = [name for name in _rooms() if not (PACKAGE / name).exists()]
    assert missing == []


def test_every_module_is_named() -> None:
    named = set(_rooms())
    packages = {name.rstrip('/') for name in named if name.endswith('/')}
    unnamed = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob('*.py'))
        if path.relative_to(PACKAGE).as_posix() not in named
        and not any(path.relative_to(PACKAGE).as_posix().startswith(f'{package}/') for package in packages)
    ]
    assert unnamed == []
