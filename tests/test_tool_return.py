"""`ToolReturn`: a tool's `tool` message plus user content (images) sent after the response's tool messages."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pydantic_ai_groq import (
    Agent,
    BinaryContent,
    ImageUrl,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ToolReturn,
    ToolReturnPart,
    UserPromptPart,
    capture_run_messages,
)
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

VISION_MODEL = 'qwen/qwen3.8-27b'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 8
PNG_URI = 'data:image/png;base64,' + base64.b64encode(PNG).decode()


def camera_agent(model: GroqModel) -> Agent[None, str]:
    agent = Agent(model)

    @agent.tool_plain
    def snapshot(camera: int) -> ToolReturn:
        """Take a picture with a camera."""
        return ToolReturn(
            {'camera': camera, 'taken': True},
            content=['The snapshot:', BinaryContent(PNG, 'image/png')],
            metadata={'exposure_ms': 8},
        )

    @agent.tool_plain
    def clock() -> str:
        """The time."""
        return '12:00'

    return agent


async def test_the_image_goes_in_a_user_message_after_all_the_tool_messages(emulator: GroqEmulator):
    model = emulator.model(VISION_MODEL)
    agent = camera_agent(model)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('snapshot', {'camera': 2}), ToolCallReply('clock', {})]),
        Reply(text='A cat, at noon.'),
    )
    result = await agent.run('What does camera 2 see?')
    assert result.output == 'A cat, at noon.'
    sent = emulator.requests[1]['messages']
    snapshot_id, clock_id = (call['id'] for call in sent[-4]['tool_calls'])
    assert sent[-3:] == [
        {'role': 'tool', 'tool_call_id': snapshot_id, 'content': '{"camera":2,"taken":true}'},
        {'role': 'tool', 'tool_call_id': clock_id, 'content': '12:00'},
        {
            'role': 'user',
            'content': [
                {'type': 'text', 'text': 'The snapshot:'},
                {'type': 'image_url', 'image_url': {'url': PNG_URI}},
            ],
        },
    ]
    request = result.all_messages()[2]
    assert isinstance(request, ModelRequest)
    returned, clock, user = request.parts
    assert isinstance(returned, ToolReturnPart) and isinstance(clock, ToolReturnPart)
    assert (returned.content, returned.metadata) == ({'camera': 2, 'taken': True}, {'exposure_ms': 8})
    assert clock.metadata is None
    assert isinstance(user, UserPromptPart) and user.content == ['The snapshot:', BinaryContent(PNG, 'image/png')]
    await model.client.close()


async def test_the_history_round_trips_through_json_and_resends_the_image(emulator: GroqEmulator):
    model = emulator.model(VISION_MODEL)
    agent = camera_agent(model)
    emulator.push(Reply(tool_calls=[ToolCallReply('snapshot', {'camera': 1})]), Reply(text='A cat.'))
    history = (await agent.run('Look')).all_messages()
    loaded = ModelMessagesTypeAdapter.validate_json(ModelMessagesTypeAdapter.dump_json(history))
    assert loaded == history
    emulator.push(Reply(text='Still a cat.'))
    await agent.run('And now?', message_history=loaded)
    assert emulator.requests[2]['messages'][:-1] == emulator.requests[1]['messages'] + [
        {'role': 'assistant', 'content': 'A cat.'}
    ]
    await model.client.close()


async def test_text_content_and_image_urls(emulator: GroqEmulator):
    model = emulator.model(VISION_MODEL)
    agent = Agent(model)

    @agent.tool_plain
    def note() -> ToolReturn:
        return ToolReturn('saved', content='Remember: the user likes cats.')

    @agent.tool_plain
    def logo() -> ToolReturn:
        return ToolReturn(None, content=[ImageUrl('https://example.com/logo.png', 'low')])

    emulator.push(Reply(tool_calls=[ToolCallReply('note', {}), ToolCallReply('logo', {})]), Reply(text='ok'))
    await agent.run('go')
    assert [(m['role'], m['content']) for m in emulator.requests[1]['messages'][-4:]] == [
        ('tool', 'saved'),
        ('tool', 'null'),
        ('user', 'Remember: the user likes cats.'),
        ('user', [{'type': 'image_url', 'image_url': {'url': 'https://example.com/logo.png', 'detail': 'low'}}]),
    ]
    await model.client.close()


async def test_an_image_for_a_model_without_vision_is_refused_before_sending(emulator: GroqEmulator, model: GroqModel):
    agent = camera_agent(model)
    emulator.push(Reply(tool_calls=[ToolCallReply('snapshot', {'camera': 1})]))
    with capture_run_messages() as messages, pytest.raises(UserError, match=r'does not read images; models that do: '):
        await agent.run('Look')
    assert len(emulator.requests) == 1
    returned = messages[-1].parts
    assert [type(part) for part in returned] == [ToolReturnPart, UserPromptPart]  # the work done is kept


@pytest.mark.parametrize(
    ('returned', 'message'),
    [
        (
            ToolReturn('ok', content={'not': 'content'}),  # type: ignore[arg-type]
            "Tool 'bad' returned a ToolReturn whose content is a dict; content is text or a list of text, ImageUrl",
        ),
        (ToolReturn(object()), "Tool 'bad' returned a object that cannot be serialised to JSON"),
    ],
)
async def test_a_tool_return_that_cannot_be_sent_is_a_user_error(
    emulator: GroqEmulator, model: GroqModel, returned: ToolReturn, message: str
):
    agent = Agent(model)

    @agent.tool_plain
    def bad() -> Any:
        return returned

    emulator.push(Reply(tool_calls=[ToolCallReply('bad', {})]))
    with pytest.raises(UserError, match=message):
        await agent.run('go')
    assert len(emulator.requests) == 1
