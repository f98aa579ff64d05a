"""The emulator's `/openai/v1/files`: uploads (multipart, `purpose=batch`), info, content, list and delete."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..batch._limits import FILE_BYTES_REFUSED
from ._asgi import Response, error_response, json_bytes, json_headers, method_not_allowed
from ._wire import error_json, new_request_id

__all__ = ('FILES_PATH', 'FileStore', 'StoredFile', 'new_id')

FILES_PATH = '/openai/v1/files'
_ULID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'


def new_id(prefix: str) -> str:
    """A Groq-style object id: the prefix, then a lower-cased ULID (`file_01...`, `batch_01...`)."""
    return f'{prefix}_01' + ''.join(secrets.choice(_ULID_ALPHABET) for _ in range(24))


@dataclass
class StoredFile:
    """An uploaded input file or a batch's output or error file."""

    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int

    def json(self) -> dict[str, Any]:
        """The file object Groq returns."""
        return {
            'id': self.id,
            'object': 'file',
            'bytes': len(self.content),
            'created_at': self.created_at,
            'filename': self.filename,
            'purpose': self.purpose,
        }


class FileStore:
    """Files by id, and the HTTP handler of `/openai/v1/files`."""

    def __init__(self, timestamp: Callable[[], int]) -> None:
        self.files: dict[str, StoredFile] = {}
        self._timestamp = timestamp
        self._lock = threading.Lock()

    def add(self, filename: str, purpose: str, content: bytes) -> StoredFile:
        """Store a file and return it."""
        stored = StoredFile(new_id('file'), filename, purpose, content, self._timestamp())
        with self._lock:
            self.files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this id, if it exists."""
        with self._lock:
            return self.files.get(file_id)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one request under `/openai/v1/files`."""
        rest = path[len(FILES_PATH) :].strip('/')
        if not rest:
            if method == 'POST':
                return self._upload(headers.get('content-type', ''), body)
            if method == 'GET':
                with self._lock:
                    data = [stored.json() for stored in self.files.values()]
                return _ok({'object': 'list', 'data': data})
            return method_not_allowed(method, path, 'GET, POST')
        file_id, _, action = rest.partition('/')
        stored = self.get(file_id)
        if stored is None or action not in ('', 'content'):
            return error_response(404, error_json(f'File not found: {file_id}', code='not_found'))
        if action == 'content':
            if method != 'GET':
                return method_not_allowed(method, path, 'GET')
            headers = {'content-type': 'application/octet-stream', 'x-request-id': new_request_id()}
            return Response(200, stored.content, headers)
        if method == 'DELETE':
            with self._lock:
                del self.files[file_id]
            return _ok({'id': file_id, 'object': 'file', 'deleted': True})
        if method == 'GET':
            return _ok(stored.json())
        return method_not_allowed(method, path, 'GET, DELETE')

    def _upload(self, content_type: str, body: bytes) -> Response:
        fields = parse_multipart(content_type, body)
        if fields is None or 'file' not in fields:
            return _invalid("'file' : a multipart/form-data field 'file' is required", 'file')
        purpose = fields.get('purpose', (None, b''))[1].decode(errors='replace')
        if purpose != 'batch':
            return _invalid(f"'purpose' : value must be 'batch', got {purpose!r}", 'purpose')
        filename, content = fields['file']
        if len(content) > FILE_BYTES_REFUSED:
            message = f'file too large: {len(content)} bytes, the limit is {FILE_BYTES_REFUSED} bytes'
            return _invalid(message, 'file')
        return _ok(self.add(filename or 'upload.jsonl', purpose, content).json())


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]] | None:
    """The fields of a `multipart/form-data` body: name -> (filename, content); `None` if it is not one."""
    kind, _, params = content_type.partition(';')
    if kind.strip().lower() != 'multipart/form-data' or 'boundary=' not in params:
        return None
    boundary = params.split('boundary=', 1)[1].split(';', 1)[0].strip().strip('"').encode()
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b'--' + boundary)[1:]:
        if part.startswith(b'--'):
            break
        head, _, content = part.removeprefix(b'\r\n').partition(b'\r\n\r\n')
        disposition = _disposition(head.decode('latin-1'))
        if 'name' in disposition:
            fields[disposition['name']] = (disposition.get('filename'), content.removesuffix(b'\r\n'))
    return fields


def _disposition(head: str) -> dict[str, str]:
    for line in head.split('\r\n'):
        name, _, value = line.partition(':')
        if name.strip().lower() == 'content-disposition':
            pairs = (item.strip().partition('=') for item in value.split(';')[1:])
            return {key.strip(): raw.strip().strip('"') for key, _, raw in pairs}
    return {}


def _ok(payload: dict[str, Any]) -> Response:
    return Response(200, json_bytes(payload), {**json_headers(), 'x-request-id': new_request_id()})


def _invalid(message: str, param: str) -> Response:
    return error_response(400, error_json(message, code='invalid_request_error', param=param))
