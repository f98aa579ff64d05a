"""The emulator's `/openai/v1/batches`: create, retrieve, list and cancel, on the emulator's clock.

A batch is `validating` for `BatchTiming.validating` seconds, then `failed` (an invalid input file, with
Groq's `errors` list) or `in_progress` for `BatchTiming.processing` seconds; then every line runs through
the emulator's own chat completions endpoint (its script, policy, rules and faults apply per line) and
the batch is `finalizing` for `BatchTiming.finalizing` seconds, then `completed` with its output and
error files. A batch whose work does not fit its completion window, or holding a line listed in
`BatchAPI.unfinished`, becomes `expired` when the window ends: the lines done are in the output file, the
others in the error file with code `batch_expired`. A cancelled batch is `cancelling` for
`BatchTiming.finalizing` seconds, then `cancelled`, its lines not run. Nothing runs on a timer: the status
moves when a request looks at the batch, by the clock's time, so a `VirtualClock` compresses a day into
milliseconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, cast

import anyio

from ..batch._limits import BATCH_ENDPOINT, BATCH_LINE_URL, MAX_LINES, window_seconds
from ..clock import Clock
from ._asgi import Response, error_response, json_bytes, json_headers, method_not_allowed
from ._files import FILES_PATH, FileStore, new_id
from ._json import as_object, dumps_compact
from ._replies import ErrorReply
from ._wire import default_error_json, error_json, new_request_id

__all__ = ('BATCHES_PATH', 'BatchAPI', 'BatchTiming')

BATCHES_PATH = '/openai/v1/batches'
_CHAT_PATH = '/openai/v1/chat/completions'
_EXPIRED_MESSAGE = 'This request could not be executed before the completion window expired.'

App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


@dataclass
class BatchTiming:
    """How long each stage of an emulated batch takes, in seconds of the emulator's clock."""

    validating: float = 5.0
    processing: float = 60.0
    finalizing: float = 5.0


@dataclass
class _Batch:
    id: str
    input_file_id: str
    completion_window: str
    created: float
    lines: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    authorization: str
    metadata: dict[str, str] | None
    cancelled: float | None = None
    finished: dict[str, Any] | None = None  # the fields set once the lines have run
    expiring: bool | None = None  # whether the work misses the window, decided once validation is over
    lock: anyio.Lock | None = field(default=None, repr=False)


class BatchAPI:
    """Groq's files and batches endpoints of one `GroqEmulator` (its `batches` attribute).

    Attributes:
        files: The uploaded input files and the batches' output and error files.
        timing: How long validation, processing and finalizing take.
        unfinished: Custom ids of lines that miss their batch's window: a batch holding one expires when its
            window ends, the line in its error file (`batch_expired`); the id is then removed, so the line
            runs when it is sent again.
        line_faults: An error reply for the line with this custom id instead of the chat endpoint's answer.
        log: `(method, path)` of every request to the files and batches endpoints, in order.
    """

    def __init__(self, app: App, clock: Clock) -> None:
        self.files = FileStore(self._timestamp)
        self.timing = BatchTiming()
        self.unfinished: set[str] = set()
        self.line_faults: dict[str, ErrorReply] = {}
        self.log: list[tuple[str, str]] = []
        self._app = app
        self._clock = clock
        self._epoch = time.time() - clock.now()
        self._batches: dict[str, _Batch] = {}
        self._lock = threading.Lock()

    def _timestamp(self, at: float | None = None) -> int:
        return int(self._epoch + (self._clock.now() if at is None else at))

    def handles(self, path: str) -> bool:
        """Whether `path` is one of these endpoints."""
        return any(path == base or path.startswith(f'{base}/') for base in (FILES_PATH, BATCHES_PATH))

    async def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one (authorised) request to the files or batches endpoints."""
        with self._lock:
            self.log.append((method, path))
        if path.startswith(FILES_PATH):
            return self.files.handle(method, path, headers, body)
        rest = path[len(BATCHES_PATH) :].strip('/')
        if not rest:
            if method == 'POST':
                return self._create(body, headers.get('authorization', ''))
            if method != 'GET':
                return method_not_allowed(method, path, 'GET, POST')
            data = [await self._json(batch) for batch in list(self._batches.values())]
            return _ok({'object': 'list', 'data': data})
        batch_id, _, action = rest.partition('/')
        batch = self._batches.get(batch_id)
        if batch is None or action not in ('', 'cancel'):
            return error_response(404, error_json(f'Batch not found: {batch_id}', code='not_found'))
        if action == 'cancel':
            if method != 'POST':
                return method_not_allowed(method, path, 'POST')
            return await self._cancel(batch)
        if method != 'GET':
            return method_not_allowed(method, path, 'GET')
        return _ok(await self._json(batch))

    def _create(self, raw: bytes, authorization: str) -> Response:
        try:
            body = as_object(json.loads(raw))
        except ValueError:
            body = {}
        if body.get('endpoint') != BATCH_ENDPOINT:
            message = f"'endpoint' : value must be '{BATCH_ENDPOINT}', got {body.get('endpoint')!r}"
            return _invalid(message, 'endpoint')
        window = body.get('completion_window')
        try:
            window_seconds(str(window))
        except ValueError as error:
            return _invalid(f"'completion_window' : {error}", 'completion_window')
        stored = self.files.get(str(body.get('input_file_id')))
        if stored is None or stored.purpose != 'batch':
            message = f"'input_file_id' : no file {body.get('input_file_id')!r} with purpose 'batch'"
            return _invalid(message, 'input_file_id')
        lines, errors = validate_input(stored.content)
        metadata = cast('dict[str, str] | None', body.get('metadata'))
        batch = _Batch(
            new_id('batch'), stored.id, str(window), self._clock.now(), lines, errors, authorization, metadata
        )
        with self._lock:
            self._batches[batch.id] = batch
        return _ok(self._fields(batch, 'validating'))

    async def _cancel(self, batch: _Batch) -> Response:
        status = (await self._state(batch))[0]
        if status in ('validating', 'in_progress'):
            batch.cancelled = self._clock.now()
        return _ok(await self._json(batch))

    async def _json(self, batch: _Batch) -> dict[str, Any]:
        status, extra = await self._state(batch)
        return {**self._fields(batch, status), **extra}

    async def _state(self, batch: _Batch) -> tuple[str, dict[str, Any]]:
        """The batch's status now, running its lines when the clock says they are done."""
        now = self._clock.now()
        timing = self.timing
        validated = batch.created + timing.validating
        expires = batch.created + window_seconds(batch.completion_window)
        if batch.errors and now >= validated:
            errors = {'object': 'list', 'data': batch.errors}
            return 'failed', {'failed_at': self._timestamp(validated), 'errors': errors}
        if batch.cancelled is not None:
            cancelling = {'cancelling_at': self._timestamp(batch.cancelled)}
            if now < batch.cancelled + timing.finalizing:
                return 'cancelling', cancelling
            return 'cancelled', {**cancelling, 'cancelled_at': self._timestamp(batch.cancelled + timing.finalizing)}
        if now < validated:
            return 'validating', {}
        started = {'in_progress_at': self._timestamp(validated)}
        done = validated + timing.processing
        if batch.expiring is None:
            batch.expiring = done > expires or any(line['custom_id'] in self.unfinished for line in batch.lines)
        if batch.expiring:
            if now < expires:
                return 'in_progress', started
            finished = await self._run_lines(batch, everything=done <= expires)
            return 'expired', {**started, **finished, 'expired_at': self._timestamp(expires)}
        if now < done:
            return 'in_progress', started
        finished = await self._run_lines(batch, everything=True)
        finalizing = {**started, **finished, 'finalizing_at': self._timestamp(done)}
        if now < done + timing.finalizing:
            return 'finalizing', {key: value for key, value in finalizing.items() if not key.endswith('file_id')}
        return 'completed', {**finalizing, 'completed_at': self._timestamp(done + timing.finalizing)}

    async def _run_lines(self, batch: _Batch, *, everything: bool) -> dict[str, Any]:
        """Run the lines once (all, or all but `unfinished` ones); the files and counts they give."""
        if batch.lock is None:
            batch.lock = anyio.Lock()
        async with batch.lock:
            if batch.finished is None:
                batch.finished = await self._write_results(batch, everything)
        return batch.finished

    async def _write_results(self, batch: _Batch, everything: bool) -> dict[str, Any]:
        output: list[str] = []
        failed: list[str] = []
        for line in batch.lines:
            custom_id = line['custom_id']
            if not everything or custom_id in self.unfinished:
                self.unfinished.discard(custom_id)  # it misses this batch's window only
                error = {'code': 'batch_expired', 'message': _EXPIRED_MESSAGE}
                failed.append(dumps_compact(_result_line(custom_id, None, error)))
                continue
            status, body = await self._answer(line, batch.authorization)
            response = {'status_code': status, 'request_id': new_request_id(), 'body': body}
            (output if status == 200 else failed).append(dumps_compact(_result_line(custom_id, response, None)))
        finished: dict[str, Any] = {
            'request_counts': {'total': len(batch.lines), 'completed': len(output), 'failed': len(failed)},
            'output_file_id': self._result_file(batch, 'output', output),
            'error_file_id': self._result_file(batch, 'error', failed),
        }
        batch.lines = []  # done with: a long test keeps only the files
        return finished

    def _result_file(self, batch: _Batch, kind: str, lines: list[str]) -> str | None:
        if not lines:
            return None
        content = ('\n'.join(lines) + '\n').encode()
        return self.files.add(f'{batch.id}_{kind}.jsonl', 'batch_output', content).id

    async def _answer(self, line: dict[str, Any], authorization: str) -> tuple[int, Any]:
        """The status and JSON body the chat completions endpoint gives for the line's body."""
        fault = self.line_faults.get(line['custom_id'])
        if fault is not None:
            model = str(as_object(line['body']).get('model'))
            return fault.status, fault.body if fault.body is not None else default_error_json(fault.status, model)
        status, content = await call_app(self._app, _CHAT_PATH, json_bytes(line['body']), authorization)
        try:
            return status, json.loads(content)
        except ValueError:
            return status, content.decode(errors='replace')

    def _fields(self, batch: _Batch, status: str) -> dict[str, Any]:
        total = len(batch.lines) if batch.finished is None else batch.finished['request_counts']['total']
        return {
            'id': batch.id,
            'object': 'batch',
            'endpoint': BATCH_ENDPOINT,
            'errors': None,
            'input_file_id': batch.input_file_id,
            'completion_window': batch.completion_window,
            'status': status,
            'output_file_id': None,
            'error_file_id': None,
            'created_at': self._timestamp(batch.created),
            'expires_at': self._timestamp(batch.created + window_seconds(batch.completion_window)),
            'request_counts': {'total': total, 'completed': 0, 'failed': 0},
            'metadata': batch.metadata,
        }


def validate_input(content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lines of an input file, and Groq-shaped errors (`code`, `line`, `message`, `param`) for bad ones."""
    lines: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        problem = _line_problem(raw, seen)
        if isinstance(problem, dict):
            lines.append(problem)
        else:
            errors.append({'code': problem[0], 'line': number, 'message': problem[1], 'param': problem[2]})
    if len(lines) + len(errors) > MAX_LINES:
        message = f'The input file has {len(lines) + len(errors)} lines; a batch takes at most {MAX_LINES}.'
        errors.append({'code': 'too_many_lines', 'line': None, 'message': message, 'param': None})
    if not lines and not errors:
        errors.append({'code': 'empty_file', 'line': None, 'message': 'The input file has no lines.', 'param': None})
    return lines, errors


def _line_problem(raw: bytes, seen: set[str]) -> dict[str, Any] | tuple[str, str, str | None]:
    try:
        parsed: object = json.loads(raw)
    except ValueError:
        return 'invalid_json_line', 'This line is not valid JSON.', None
    line = as_object(parsed)
    custom_id = line.get('custom_id')
    if not isinstance(custom_id, str) or not custom_id:
        return 'missing_required_parameter', "'custom_id' : a non-empty string is required", 'custom_id'
    if custom_id in seen:
        return 'duplicate_custom_id', f'The custom_id {custom_id!r} is used by another line.', 'custom_id'
    seen.add(custom_id)
    if line.get('method') != 'POST':
        return 'invalid_method', f"'method' : value must be 'POST', got {line.get('method')!r}", 'method'
    if line.get('url') != BATCH_LINE_URL:
        return 'invalid_url', f"'url' : value must be '{BATCH_LINE_URL}', got {line.get('url')!r}", 'url'
    if not isinstance(line.get('body'), dict):
        return 'missing_required_parameter', "'body' : a JSON object is required", 'body'
    return line


def _result_line(custom_id: str, response: dict[str, Any] | None, error: dict[str, Any] | None) -> dict[str, Any]:
    return {'id': new_id('batch_req'), 'custom_id': custom_id, 'response': response, 'error': error}


async def call_app(app: App, path: str, body: bytes, authorization: str) -> tuple[int, bytes]:
    """POST `body` to an ASGI app in-process and return the status and the whole response body."""
    headers = [(b'content-type', b'application/json'), (b'authorization', authorization.encode('latin-1'))]
    scope: dict[str, Any] = {'type': 'http', 'method': 'POST', 'path': path, 'headers': headers, 'query_string': b''}
    received = False
    status = 500
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await anyio.sleep_forever()
        received = True
        return {'type': 'http.request', 'body': body, 'more_body': False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message['type'] == 'http.response.start':
            status = message['status']
        elif message['type'] == 'http.response.body':
            parts.append(message.get('body', b''))

    await app(scope, receive, send)
    return status, b''.join(parts)


def _ok(payload: dict[str, Any]) -> Response:
    return Response(200, json_bytes(payload), {**json_headers(), 'x-request-id': new_request_id()})


def _invalid(message: str, param: str) -> Response:
    return error_response(400, error_json(message, code='invalid_request_error', param=param))
