"""Batch JSONL lines: request lines from `GroqModel`'s own request body, result lines to `ModelResponse`s.

A request line is built by the same code as a chat request (`models/groq/_request.build_body`, with the
model's settings checked and its context window enforced), and a result line's body is read by the same
code as a chat response (`models/groq/_response.process_response`); an error line becomes the same
`ModelHTTPError`, and a generation Groq's validation rejected (`tool_use_failed`) the same response to
retry, as `GroqModel.request` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic
import pydantic_core
from typing_extensions import Required, TypedDict

from ..exceptions import ModelHTTPError, UnexpectedModelBehavior
from ..messages import ModelMessage, ModelResponse
from ..models import ModelRequestParameters
from ..models.groq import GroqModel
from ..models.groq._capacity import check_capacity, estimate_prompt_tokens
from ..models.groq._catalogue import default_catalogue
from ..models.groq._errors import RECOVERABLE_ERRORS, failed_generation_response
from ..models.groq._request import build_body
from ..models.groq._response import content_has_think_tags, process_response
from ..models.groq._settings import check_settings
from ..settings import ModelSettings, merge_model_settings
from ._limits import BATCH_LINE_URL

__all__ = ('LineError', 'PreparedLine', 'ResultLine', 'parse_result_line', 'prepare_line', 'response_of')


@dataclass(frozen=True)
class PreparedLine:
    """One request line, serialised, and how to read its answer."""

    custom_id: str
    data: bytes
    think_tags: bool


class LineError(Exception):
    """A line the batch did not run: `kind` is `expired` or `cancelled`."""

    def __init__(self, kind: Literal['expired', 'cancelled'], message: str) -> None:
        self.kind: Literal['expired', 'cancelled'] = kind
        super().__init__(message)


def prepare_line(
    model: GroqModel,
    custom_id: str,
    messages: Sequence[ModelMessage],
    model_settings: ModelSettings | None,
    params: ModelRequestParameters,
) -> PreparedLine:
    """The JSONL line (newline included) for one chat request, checked as `GroqModel.request` checks it."""
    settings = merge_model_settings(model.settings, model_settings)
    if model_settings:
        check_settings(settings)
    body = build_body(model.model_name, messages, settings, params, stream=False)
    tokens = estimate_prompt_tokens(body['messages'])
    check_capacity(model.model_name, tokens, settings.get('max_tokens'), default_catalogue.cached(model.client))
    line = {'custom_id': custom_id, 'method': 'POST', 'url': BATCH_LINE_URL, 'body': body}
    think_tags = content_has_think_tags(model.model_name, body.get('reasoning_format'))
    return PreparedLine(custom_id, pydantic_core.to_json(line) + b'\n', think_tags)


class _LineResponse(TypedDict, total=False):
    status_code: int
    request_id: str
    body: Any


class ResultLine(TypedDict, total=False):
    """One line of a batch's output or error file."""

    id: str
    custom_id: Required[str]
    response: _LineResponse | None
    error: dict[str, Any] | None


_RESULT_LINE = pydantic.TypeAdapter(ResultLine)


def parse_result_line(data: str) -> ResultLine:
    """A result line, parsed and checked in one pass.

    Raises:
        UnexpectedModelBehavior: When the line is not a result line.
    """
    try:
        return _RESULT_LINE.validate_json(data)
    except pydantic.ValidationError as error:
        raise UnexpectedModelBehavior('Groq sent a batch result line this client cannot read', data) from error


def response_of(line: ResultLine, model_name: str, think_tags: bool) -> ModelResponse:
    """The `ModelResponse` of a result line, as `GroqModel.request` would return it.

    Raises:
        ModelHTTPError: For a line answered with an error status (a recoverable generation error excepted).
        LineError: For a line the batch did not run before its window ended (`batch_expired`).
    """
    response = line.get('response')
    if response is None or 'status_code' not in response:
        error = line.get('error') or {}
        code = error.get('code')
        if code == 'batch_expired':
            raise LineError('expired', str(error.get('message') or 'the completion window expired'))
        raise ModelHTTPError(500, model_name, {'error': error})
    body = response.get('body')
    if response['status_code'] != 200:
        http_error = ModelHTTPError(response['status_code'], model_name, body)
        if http_error.error_code in RECOVERABLE_ERRORS:
            return failed_generation_response(http_error)
        raise http_error
    return process_response(pydantic_core.to_json(body), model_name, {}, think_tags=think_tags)
