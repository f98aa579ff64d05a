"""`MCPServer`: one MCP server's tools as a toolset, over whichever transport a subclass opens.

The session is started on the first `async with` and stopped when the last one leaves. The tool
list is fetched once per session and again only after the server says it changed
(`notifications/tools/list_changed`), so a run's steps do not each cost a `tools/list`.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, cast

import anyio
from mcp import Client, MCPError, types
from mcp.client import Transport
from mcp.client.session import ClientRequestContext, IncomingMessage
from mcp.server import Server
from mcp.server.mcpserver import MCPServer as FastServer
from pydantic_core import SchemaValidator, core_schema
from typing_extensions import Self

from .._run_context import RunContext
from ..exceptions import ModelRetry, UserError
from ..models import Model
from ..tools import ToolDefinition, check_tool_name
from ..toolsets import AbstractToolset, ToolsetTool
from ._errors import MCPServerError
from ._results import map_call_result, takes_images
from ._sampling import ElicitationHandler, answer_sampling, elicitation_callback

__all__ = ('MCPServer',)

ServerTarget = Server[Any] | FastServer | Transport | str
"""What `mcp.Client` connects to: an in-process server, a transport, or a URL."""

# The server validates the arguments against its own schema; we only check they are an object.
_ANY_OBJECT = SchemaValidator(core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema()))


class MCPServer(AbstractToolset[Any]):
    """The tools of one MCP server, offered to the model as a toolset.

    Attributes:
        name: How errors and logs name the server.
        tool_prefix: Prepended to every tool name (`'{prefix}_{tool}'`), to keep two servers' tools apart.
        timeout: Seconds a tool call may take; `None` for no limit.
        startup_timeout: Seconds starting the session and listing the tools may take; `None` for no limit.
        max_retries: How many failed calls in a row the model may retry; `None` uses the agent's `retries`.
        allow_sampling: Answer the server's `sampling/createMessage` requests with a model.
        sampling_model: The model that answers them; `None` uses the model of the run calling the server.
        elicitation_handler: Answers the server's `elicitation/create` requests; `None` refuses them.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        tool_prefix: str | None = None,
        timeout: float | None = 60.0,
        startup_timeout: float | None = 30.0,
        max_retries: int | None = None,
        allow_sampling: bool = False,
        sampling_model: Model | None = None,
        elicitation_handler: ElicitationHandler | None = None,
    ) -> None:
        self.name = name
        self.tool_prefix = tool_prefix
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.max_retries = max_retries
        self.allow_sampling = allow_sampling
        self.sampling_model = sampling_model
        self.elicitation_handler = elicitation_handler
        self._client: Client | None = None
        self._session: tuple[asyncio.Task[None], asyncio.Event] | None = None
        self._entries = 0
        self._lock = anyio.Lock()
        self._tools: list[types.Tool] | None = None
        self._run_model: Model | None = None

    @abstractmethod
    def _target(self, stack: AsyncExitStack) -> ServerTarget:
        """What the `mcp` client connects to; resources it needs go on `stack`."""

    @property
    def label(self) -> str:
        """How errors name this server (e.g. `MCP server 'weather'`)."""
        return f'MCP server {self.name or self._describe()!r}'

    @abstractmethod
    def _describe(self) -> str:
        """The server's command or URL, when it has no name."""

    @property
    def is_running(self) -> bool:
        """Whether the session is open."""
        return self._client is not None

    async def __aenter__(self) -> Self:
        """Start the server's session, or count one more user of the running one."""
        async with self._lock:
            if self._entries == 0:
                await self._start()
            self._entries += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Stop the session when the last user leaves."""
        async with self._lock:
            self._entries -= 1
            if self._entries == 0 and self._session is not None:
                (task, stop), self._session, self._client, self._tools = self._session, None, None, None
                stop.set()
                await asyncio.shield(task)
        return None

    async def _start(self) -> None:
        # The session lives in a task of its own: the `mcp` client's task groups must be left by the
        # task that entered them, and the last user to leave is often not the one that started it.
        started: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()
        task = asyncio.create_task(self._hold_session(started, stop))
        try:
            self._client = await started
        except BaseException:
            task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait([task])  # its clean-up: a subprocess is stopped before we go on
            raise
        self._session = (task, stop)

    async def _hold_session(self, started: asyncio.Future[Client], stop: asyncio.Event) -> None:
        async with AsyncExitStack() as stack:
            client = Client(
                self._target(stack),
                mode='legacy',
                cache=None,  # the tool list is cached here, until the server says it changed
                read_timeout_seconds=self.startup_timeout,
                message_handler=self._on_message,
                sampling_callback=self._sample if self.allow_sampling else None,
                elicitation_callback=elicitation_callback(self.elicitation_handler)
                if self.elicitation_handler
                else None,
            )
            try:
                entered = await stack.enter_async_context(client)
            except Exception as e:
                error = self._server_error(e, 'could not be started', self.startup_timeout)
                error.__cause__ = e
                started.set_exception(error)
                return
            started.set_result(entered)
            await stop.wait()

    async def _on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(message, types.ToolListChangedNotification):
            self._tools = None
        await anyio.lowlevel.checkpoint()

    async def _sample(
        self, context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        model = self.sampling_model or self._run_model
        if model is None:
            return types.ErrorData(code=types.INVALID_REQUEST, message='No model to sample with: set sampling_model')
        return await answer_sampling(model, params)

    async def list_tools(self) -> list[types.Tool]:
        """The server's tools, fetched once per session and again after `tools/list_changed`."""
        async with self:
            if self._tools is None:
                assert self._client is not None
                try:
                    self._tools = await self._list_all_tools(self._client)
                except Exception as e:
                    raise self._server_error(e, 'could not list its tools', self.startup_timeout) from e
            return self._tools

    @staticmethod
    async def _list_all_tools(client: Client) -> list[types.Tool]:
        page = await client.list_tools()
        tools = list(page.tools)
        while page.next_cursor is not None:
            page = await client.list_tools(cursor=page.next_cursor)
            tools.extend(page.tools)
        return tools

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        """The server's tools as this step offers them, prefixed when `tool_prefix` is set."""
        self._run_model = ctx.model
        tools: dict[str, ToolsetTool[Any]] = {}
        for tool in await self.list_tools():
            name = f'{self.tool_prefix}_{tool.name}' if self.tool_prefix else tool.name
            try:
                check_tool_name(name, f'Tool name of {self.label}')
            except UserError as e:
                raise UserError(f'{e.message}; Groq cannot call it') from None
            tool_def = ToolDefinition(name, dict(tool.input_schema), tool.description or '')
            tools[name] = ToolsetTool(self, tool_def, self.max_retries, _ANY_OBJECT)
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        """Call one of the server's tools; an `isError` result or a refused call asks the model to retry.

        Images in the result go to a model with vision as images (a `ToolReturn`); other models get them described.
        """
        self._run_model = ctx.model
        return await self.direct_call_tool(name, tool_args, images=takes_images(ctx.model))

    async def direct_call_tool(self, name: str, tool_args: dict[str, Any], *, images: bool = False) -> Any:
        """Call a tool by the name this toolset offers it under, outside a run.

        Args:
            name: The tool's name, with this toolset's `tool_prefix` if it has one.
            tool_args: The arguments.
            images: Return images as a `ToolReturn` whose `content` holds them, instead of describing them.

        Raises:
            ModelRetry: The tool failed (`isError`) or the server refused the call.
            MCPServerError: The server crashed, hung up or timed out.
        """
        server_name = name.removeprefix(f'{self.tool_prefix}_') if self.tool_prefix else name
        async with self:
            assert self._client is not None
            try:
                result = await self._client.call_tool(server_name, tool_args, read_timeout_seconds=self.timeout)
            except Exception as e:
                raise self._call_failed(e, server_name) from e
        return map_call_result(result, images=images, tool_name=name)  # named as the model knows it

    def _call_failed(self, error: Exception, name: str) -> ModelRetry | MCPServerError:
        code = error.code if isinstance(error, MCPError) else None
        if code is not None and code not in (types.CONNECTION_CLOSED, types.REQUEST_TIMEOUT):
            return ModelRetry(f'The server refused the call: {error}')
        if code != types.REQUEST_TIMEOUT:
            self._tools = None  # the session broke: what it listed is not trusted any more
        return self._server_error(error, f'failed during the call of tool {name!r}', self.timeout)

    def _server_error(self, error: BaseException, what: str, timeout: float | None = None) -> MCPServerError:
        # Transports fail inside task groups: the first leaf error is the one that says what happened.
        # (`BaseExceptionGroup` is a builtin from Python 3.11 only; its `exceptions` is never empty.)
        while isinstance(leaves := getattr(error, 'exceptions', None), tuple):
            error = cast(tuple[BaseException, ...], leaves)[0]
        if isinstance(error, MCPError) and error.code == types.REQUEST_TIMEOUT:
            return MCPServerError(self.label, f'{what}: no answer within {timeout:g}s', 'timeout')
        return MCPServerError(self.label, f'{what}: {type(error).__name__}: {error}')
