"""The emulator's files and batches endpoints, through the real `groq` SDK, on a virtual clock."""

from __future__ import annotations

import json
from typing import Any

import groq
import pytest

from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, VirtualClock

pytestmark = pytest.mark.anyio

MODEL = 'llama-3.3-70b-versatile'


def _line(custom_id: str, text: str = 'Hi', **overrides: Any) -> dict[str, Any]:
    body = {'model': MODEL, 'messages': [{'role': 'user', 'content': text}]}
    return {'custom_id': custom_id, 'method': 'POST', 'url': '/v1/chat/completions', 'body': body, **overrides}


def _jsonl(*lines: object) -> bytes:
    return b''.join(json.dumps(line).encode() + b'\n' for line in lines)


async def _lines(client: groq.AsyncGroq, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    content = await client.files.content(file_id)
    return [json.loads(line) for line in (await content.text()).splitlines()]


async def test_files_upload_info_content_list_delete() -> None:
    emulator = GroqEmulator()
    async with emulator.client() as client:
        data = _jsonl(_line('a'))
        created = await client.files.create(file=('in.jsonl', data), purpose='batch')
        assert (created.object, created.purpose, created.bytes, created.filename) == (
            'file',
            'batch',
            len(data),
            'in.jsonl',
        )
        assert created.id is not None and created.id.startswith('file_01')
        info = await client.files.info(created.id)
        assert info.id == created.id
        assert await (await client.files.content(created.id)).read() == data
        listed = await client.files.list()
        assert [entry.id for entry in listed.data or []] == [created.id]
        deleted = await client.files.delete(created.id)
        assert deleted.deleted is True
        with pytest.raises(groq.NotFoundError):
            await client.files.info(created.id)


async def test_upload_refuses_another_purpose_and_a_missing_file() -> None:
    emulator = GroqEmulator()
    async with emulator.client() as client:
        with pytest.raises(groq.BadRequestError, match="'purpose'"):
            await client.files.create(file=('x.jsonl', b'{}'), purpose='fine-tune')  # type: ignore[arg-type]
        with pytest.raises(groq.BadRequestError, match="'file'"):
            await client.post(
                '/openai/v1/files',
                body={'purpose': 'batch'},
                cast_to=object,
                options={'headers': {'content-type': 'multipart/form-data; boundary=x'}},
            )


async def test_a_batch_moves_through_its_statuses_on_the_clock_and_runs_each_line_through_chat() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator([Reply(text='scripted')], clock=clock)
    async with emulator.client() as client:
        upload = await client.files.create(
            file=('in.jsonl', _jsonl(_line('one'), _line('two', 'Hello there'))), purpose='batch'
        )
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h', metadata={'job': 'x'}
        )
        assert batch.status == 'validating'
        assert batch.expires_at == batch.created_at + 86400
        assert batch.metadata == {'job': 'x'}
        seen = [batch.status]
        for step in (5, 60, 5):
            clock.advance(step)
            seen.append((await client.batches.retrieve(batch.id)).status)
        assert seen == ['validating', 'in_progress', 'finalizing', 'completed']
        done = await client.batches.retrieve(batch.id)
        assert done.request_counts is not None
        assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (2, 2, 0)
        assert done.completed_at == done.created_at + 70
        assert done.error_file_id is None
        output = await _lines(client, done.output_file_id)
    assert [line['custom_id'] for line in output] == ['one', 'two']
    first, second = output
    assert first['error'] is None and first['response']['status_code'] == 200
    assert first['response']['body']['choices'][0]['message']['content'] == 'scripted'
    assert second['response']['body']['object'] == 'chat.completion'
    # The lines went through the chat endpoint: recorded like any request.
    assert [request['messages'][0]['content'] for request in emulator.requests] == ['Hi', 'Hello there']
    assert emulator.served_count == 2


async def test_line_faults_and_endpoint_rejections_go_to_the_error_file() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    failed_generation = {'name': 'lookup', 'arguments': '{"q": 1'}
    body = {
        'error': {
            'message': 'Failed to call a function.',
            'type': 'invalid_request_error',
            'code': 'tool_use_failed',
            'failed_generation': json.dumps(failed_generation),
        }
    }
    emulator.batches.line_faults['bad'] = ErrorReply(400, body)
    emulator.batches.line_faults['busy'] = ErrorReply(500)
    unknown_model = _line('unknown')
    unknown_model['body']['model'] = 'no-such-model'
    async with emulator.client() as client:
        upload = await client.files.create(
            file=('in.jsonl', _jsonl(_line('ok'), _line('bad'), _line('busy'), unknown_model)), purpose='batch'
        )
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h'
        )
        clock.advance(100)
        done = await client.batches.retrieve(batch.id)
        assert done.status == 'completed'
        assert done.request_counts is not None and (done.request_counts.completed, done.request_counts.failed) == (1, 3)
        errors = {line['custom_id']: line for line in await _lines(client, done.error_file_id)}
    assert errors['bad']['response']['status_code'] == 400
    assert errors['bad']['response']['body'] == body
    assert errors['busy']['response']['body']['error']['code'] == 'internal_server_error'
    assert errors['unknown']['response']['status_code'] == 404
    assert errors['unknown']['response']['body']['error']['code'] == 'model_not_found'


async def test_a_batch_expires_with_its_unfinished_lines_in_the_error_file() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.unfinished.add('late')
    async with emulator.client() as client:
        upload = await client.files.create(file=('in.jsonl', _jsonl(_line('early'), _line('late'))), purpose='batch')
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h'
        )
        clock.advance(3600)
        assert (await client.batches.retrieve(batch.id)).status == 'in_progress'
        clock.advance(86400)
        expired = await client.batches.retrieve(batch.id)
        assert expired.status == 'expired'
        assert expired.expired_at == expired.expires_at
        output = await _lines(client, expired.output_file_id)
        errors = await _lines(client, expired.error_file_id)
    assert [line['custom_id'] for line in output] == ['early']
    assert errors[0]['custom_id'] == 'late'
    assert errors[0]['response'] is None
    assert errors[0]['error']['code'] == 'batch_expired'


async def test_work_longer_than_the_window_expires_every_line() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.timing.processing = 2 * 86400
    async with emulator.client() as client:
        upload = await client.files.create(file=('in.jsonl', _jsonl(_line('a'))), purpose='batch')
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h'
        )
        clock.advance(86400)
        expired = await client.batches.retrieve(batch.id)
        assert expired.status == 'expired'
        assert expired.output_file_id is None
        assert [line['error']['code'] for line in await _lines(client, expired.error_file_id)] == ['batch_expired']
    assert emulator.requests == []


async def test_an_invalid_input_file_fails_validation_with_groq_errors() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    content = b'not json\n' + _jsonl(
        _line('a'),
        _line('a'),
        _line('b', method='GET'),
        _line('c', url='/v1/embeddings'),
        {'custom_id': 'd', 'method': 'POST', 'url': '/v1/chat/completions'},
        {'method': 'POST'},
    )
    async with emulator.client() as client:
        upload = await client.files.create(file=('in.jsonl', content), purpose='batch')
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='7d'
        )
        assert batch.status == 'validating'
        clock.advance(5)
        failed = await client.batches.retrieve(batch.id)
    assert failed.status == 'failed'
    assert failed.failed_at == failed.created_at + 5
    assert failed.errors is not None and failed.errors.object == 'list'
    found = [(error.code, error.line, error.param) for error in failed.errors.data or []]
    assert found == [
        ('invalid_json_line', 1, None),
        ('duplicate_custom_id', 3, 'custom_id'),
        ('invalid_method', 4, 'method'),
        ('invalid_url', 5, 'url'),
        ('missing_required_parameter', 6, 'body'),
        ('missing_required_parameter', 7, 'custom_id'),
    ]
    assert emulator.requests == []


async def test_an_empty_file_and_too_many_lines_fail_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_ai_groq.testing import _batches

    monkeypatch.setattr(_batches, 'MAX_LINES', 2)
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator.client() as client:
        codes: list[list[str | None]] = []
        for content in (b'\n', _jsonl(_line('a'), _line('b'), _line('c'))):
            upload = await client.files.create(file=('in.jsonl', content), purpose='batch')
            assert upload.id is not None
            batch = await client.batches.create(
                input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h'
            )
            clock.advance(5)
            failed = await client.batches.retrieve(batch.id)
            assert failed.errors is not None
            codes.append([error.code for error in failed.errors.data or []])
    assert codes == [['empty_file'], ['too_many_lines']]


async def test_cancel_moves_through_cancelling_to_cancelled_without_running_lines() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator.client() as client:
        upload = await client.files.create(file=('in.jsonl', _jsonl(_line('a'))), purpose='batch')
        assert upload.id is not None
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='24h'
        )
        clock.advance(10)
        cancelling = await client.batches.cancel(batch.id)
        assert cancelling.status == 'cancelling'
        clock.advance(5)
        cancelled = await client.batches.retrieve(batch.id)
        assert cancelled.status == 'cancelled'
        assert cancelled.cancelled_at == cancelled.created_at + 15
        listed = await client.batches.list()
        assert [(entry.id, entry.status) for entry in listed.data] == [(batch.id, 'cancelled')]
        # Cancelling a finished batch changes nothing.
        assert (await client.batches.cancel(batch.id)).status == 'cancelled'
    assert emulator.requests == []
    assert emulator.batches.log[-1] == ('POST', f'/openai/v1/batches/{batch.id}/cancel')


async def test_create_refuses_bad_windows_endpoints_and_files() -> None:
    emulator = GroqEmulator()
    async with emulator.client() as client:
        upload = await client.files.create(file=('in.jsonl', _jsonl(_line('a'))), purpose='batch')
        assert upload.id is not None
        with pytest.raises(groq.BadRequestError, match='completion_window must be from 24h to 7d'):
            await client.batches.create(
                input_file_id=upload.id, endpoint='/v1/chat/completions', completion_window='1h'
            )
        with pytest.raises(groq.BadRequestError, match="'endpoint'"):
            await client.batches.create(input_file_id=upload.id, endpoint='/v1/embeddings', completion_window='24h')  # type: ignore[arg-type]
        with pytest.raises(groq.BadRequestError, match="'input_file_id'"):
            await client.batches.create(
                input_file_id='file_nope', endpoint='/v1/chat/completions', completion_window='24h'
            )
        with pytest.raises(groq.NotFoundError):
            await client.batches.retrieve('batch_nope')
        with pytest.raises(groq.APIStatusError) as info:
            await client.delete('/openai/v1/batches', cast_to=object)
        assert info.value.status_code == 405


async def test_files_and_batches_need_the_key() -> None:
    emulator = GroqEmulator(api_key='secret')
    async with emulator.client(api_key='wrong') as client:
        with pytest.raises(groq.AuthenticationError):
            await client.batches.list()
        with pytest.raises(groq.AuthenticationError):
            await client.files.list()
