"""A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, started on a free loopback port.

The machine image ships PostgreSQL 15 (`initdb` and `pg_ctl` on PATH). PostgreSQL refuses to run as
root, so under root the cluster belongs to the `postgres` user. A missing binary fails the tests
that use the cluster: it is a component they need, not an optional one.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ('postgres_cluster',)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path('/usr/lib/postgresql').glob(f'*/bin/{name}')) if p.exists()), None
    )
    if found is None:
        raise RuntimeError(f'{name} not found: the PostgreSQL tests need PostgreSQL (initdb, pg_ctl) installed')
    return found


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Create, start, and at the end stop and delete a cluster; yields its `postgresql://` URL."""
    root = Path(tempfile.mkdtemp(prefix='pg-'))
    data = root / 'data'
    user: dict[str, Any] = {}
    if os.geteuid() == 0:
        owner = pwd.getpwnam('postgres')
        os.chown(root, owner.pw_uid, owner.pw_gid)
        user = {'user': owner.pw_uid, 'group': owner.pw_gid}
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, text=True, timeout=300, cwd=root, **user)

    try:
        run(_binary('initdb'), '-D', str(data), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8')
        options = f'-p {port} -h 127.0.0.1 -k {root} -c fsync=off -c synchronous_commit=off -c max_connections=200'
        run(_binary('pg_ctl'), '-D', str(data), '-o', options, '-l', str(root / 'log'), '-w', '-t', '300', 'start')
        try:
            yield f'postgresql://postgres@127.0.0.1:{port}/dbos_tests'
        finally:
            run(_binary('pg_ctl'), '-D', str(data), '-m', 'immediate', '-w', 'stop')
    finally:
        shutil.rmtree(root, ignore_errors=True)
