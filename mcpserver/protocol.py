"""MCP's JSON-RPC methods over one POST each, with the SDK's `mcp_types` models (the types
distribution that `mcp` itself re-exports as `mcp.types`): requests are validated and results
built with them, and the protocol versions are theirs.

Stateless: no `Mcp-Session-Id`, no server-initiated messages; every request carries its API
key. The handshake-era protocol (initialize, then notifications/initialized) is spoken; a client
probing for the 2026-07-28 per-request protocol (`server/discover`, as the Python SDK's
mode="auto" does) is told the versions on offer and falls back to `initialize`.
"""

from __future__ import annotations

import json
import logging
from functools import cache

import jsonschema
import mcp_types as types
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION
from pydantic import ValidationError
from rest_framework.request import Request

from accounts.api.base import write_refusal
from config.api_errors import api_exception_handler
from mcpserver import resources
from mcpserver.handlers import Call
from mcpserver.tools import BY_NAME, TOOLS, ToolSpec

logger = logging.getLogger(__name__)
VERSION_HEADER = "mcp-protocol-version"
INSTRUCTIONS = (
    "Engram is this user's long-term memory. Call search_memories before answering when past "
    "preferences, facts or decisions could matter; call add_memory when the user shares "
    "something worth remembering in later conversations. Memories are scoped by user_id, "
    "agent_id, app_id and run_id; without one, the connection's default user ({user}) is used."
)


class RpcError(Exception):
    """A JSON-RPC error answer; `http_status` is the HTTP status it goes out with."""

    def __init__(self, code: int, message: str, *, data=None, http_status: int = 200):
        super().__init__(message)
        self.code, self.message, self.data, self.http_status = code, message, data, http_status

    def body(self, rpc_id) -> dict:
        error = types.ErrorData(code=self.code, message=self.message, data=self.data)
        answer = types.JSONRPCError(jsonrpc="2.0", id=rpc_id, error=error)
        body = {**_dump(answer), "id": rpc_id}  # `"id": null` when unknown, as JSON-RPC says
        if self.http_status >= 400:
            # An HTTP-level refusal (a bad body, key, method or size) also reaches clients that
            # are not JSON-RPC aware: it carries the `detail` every Engram error body has.
            body["detail"] = self.message
        return body


def answer(request: Request, body, *, default_user_id: str) -> tuple[dict | None, int]:
    """(the JSON-RPC answer, its HTTP status) for one POSTed message; (None, 202) when the
    message is a notification or a response, which get no answer."""
    message = _message(body)
    if message is None:
        request.mcp_logged = "notification"
        return None, 202
    request.mcp_rpc_id = message.id
    request.mcp_logged = message.method
    _check_version(request, message.method)
    method = METHODS.get(message.method)
    if method is None:
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {message.method}")
    result = method(request, message.params or {}, default_user_id=default_user_id)
    return {"jsonrpc": "2.0", "id": message.id, "result": result}, 200


def _message(body) -> types.JSONRPCRequest | None:
    if isinstance(body, list):
        raise RpcError(
            INVALID_REQUEST,
            "JSON-RPC batches are not accepted (MCP removed them in 2025-06-18): send one "
            "message per POST.",
            http_status=400,
        )
    if not isinstance(body, dict):
        raise RpcError(INVALID_REQUEST, "Not a JSON-RPC 2.0 message object.", http_status=400)
    try:
        if "method" not in body:  # a response: the server sends no requests, so nothing waits
            types.jsonrpc_message_adapter.validate_python(body)
            return None
        if "id" not in body:
            types.JSONRPCNotification.model_validate(body)
            return None
        return types.JSONRPCRequest.model_validate(body)
    except ValidationError as error:
        detail = "; ".join(_error_text(e) for e in error.errors()[:3])
        raise RpcError(
            INVALID_REQUEST, f"Not a valid JSON-RPC 2.0 message: {detail}", http_status=400
        ) from None


def _error_text(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part) or "message"
    return f"{where}: {error.get('msg')}"


def _check_version(request: Request, method: str) -> None:
    """Requests after initialize carry the negotiated version in a header; one this server does
    not speak (the 2026-07-28 probe's, or an unknown one) is refused with the list it does."""
    version = request.headers.get(VERSION_HEADER)
    modern_probe = method == "server/discover"
    if method == "initialize" or (not version and not modern_probe):
        return
    if version in HANDSHAKE_PROTOCOL_VERSIONS and not modern_probe:
        return
    supported = list(HANDSHAKE_PROTOCOL_VERSIONS)
    raise RpcError(
        UNSUPPORTED_PROTOCOL_VERSION,
        f"Unsupported protocol version {version or '(none)'}: this server speaks "
        f"{', '.join(supported)} through the initialize handshake.",
        data={"supported": supported, "requested": version or ""},
        http_status=400,
    )


def _params(model, params: dict):
    try:
        return model.model_validate(params)
    except ValidationError as error:
        detail = "; ".join(_error_text(e) for e in error.errors()[:3])
        raise RpcError(INVALID_PARAMS, f"Invalid params: {detail}") from None


def _dump(model) -> dict:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


# --- methods ----------------------------------------------------------------------------------


def initialize(request: Request, params: dict, *, default_user_id: str) -> dict:
    asked = _params(types.InitializeRequestParams, params).protocol_version
    version = asked if asked in HANDSHAKE_PROTOCOL_VERSIONS else LATEST_HANDSHAKE_VERSION
    return _dump(
        types.InitializeResult(
            protocol_version=version,
            capabilities=types.ServerCapabilities(
                tools=types.ToolsCapability(list_changed=False),
                resources=types.ResourcesCapability(subscribe=False, list_changed=False),
            ),
            server_info=types.Implementation(name="engram", title="Engram", version="1"),
            instructions=INSTRUCTIONS.format(user=default_user_id),
        )
    )


def ping(request: Request, params: dict, *, default_user_id: str) -> dict:
    return {}


def tools_list(request: Request, params: dict, *, default_user_id: str) -> dict:
    return tools_listed(writer=write_refusal(request.auth) is None)


@cache
def tools_listed(*, writer: bool) -> dict:
    """Every tool for a key that may write; the read tools only for one that may not."""
    return _dump(types.ListToolsResult(tools=[_tool(t) for t in TOOLS if writer or not t.writes]))


def _tool(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_schema(),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=not spec.writes,
            destructive_hint=spec.destructive if spec.writes else None,
            idempotent_hint=spec.idempotent if spec.writes else None,
            open_world_hint=False,
        ),
    )


def tools_call(request: Request, params: dict, *, default_user_id: str) -> dict:
    call = _params(types.CallToolRequestParams, params)
    spec = BY_NAME.get(call.name)
    if spec is None:
        raise RpcError(
            INVALID_PARAMS, f"Unknown tool: {call.name}. tools/list names the tools on offer."
        )
    request.mcp_logged = f"tools/call/{spec.name}"
    arguments = call.arguments or {}
    problem = _argument_problem(spec, arguments)
    if problem:
        return _tool_error(request, problem, status=400)
    if spec.writes and (refusal := write_refusal(request.auth)) is not None:
        return _tool_error(request, f"{spec.name} changes memories. {refusal}", status=403)
    rpc_id = request.mcp_rpc_id
    try:
        result = spec.run(Call(request, arguments, default_user_id, rpc_id))
    except Exception as exc:
        response = api_exception_handler(exc, {"request": request, "view": None})
        if response is None:
            raise
        return _tool_error(request, response.data["detail"], status=response.status_code)
    text = json.dumps(result, ensure_ascii=False)
    return _dump(
        types.CallToolResult(content=[types.TextContent(text=text)], structured_content=result)
    )


def _argument_problem(spec: ToolSpec, arguments: dict) -> str | None:
    """What is wrong with the arguments, as the model that sent them can fix it."""
    error = jsonschema.exceptions.best_match(_validator(spec.name).iter_errors(arguments))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path)
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    return f"{where}: {message}" if where else message


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(BY_NAME[name].input_schema())


def _tool_error(request: Request, message: str, *, status: int) -> dict:
    """A tool error the model sees and can act on; the request log records `status`, the one
    the REST API answers the same mistake with."""
    request.mcp_status = status
    result = types.CallToolResult(
        content=[types.TextContent(text=message)],
        structured_content={"error": message, "status": status},
        is_error=True,
    )
    return _dump(result)


def resources_list(request: Request, params: dict, *, default_user_id: str) -> dict:
    return _dump(types.ListResourcesResult(resources=[resources.listed(default_user_id)]))


def resource_templates_list(request: Request, params: dict, *, default_user_id: str) -> dict:
    return _dump(types.ListResourceTemplatesResult(resource_templates=[resources.TEMPLATE]))


def resources_read(request: Request, params: dict, *, default_user_id: str) -> dict:
    uri = _params(types.ReadResourceRequestParams, params).uri
    text = resources.read(request, uri)
    if text is None:
        raise RpcError(
            INVALID_PARAMS,
            f"Resource not found: {uri}. Use engram://users/<user_id>/memories.",
            data={"uri": uri},
        )
    contents = types.TextResourceContents(uri=uri, mime_type="text/markdown", text=text)
    return _dump(types.ReadResourceResult(contents=[contents]))


METHODS = {
    "initialize": initialize,
    "ping": ping,
    "tools/list": tools_list,
    "tools/call": tools_call,
    "resources/list": resources_list,
    "resources/templates/list": resource_templates_list,
    "resources/read": resources_read,
}


def internal_error(exc: BaseException) -> RpcError:
    logger.error("MCP request failed", exc_info=exc)
    return RpcError(
        INTERNAL_ERROR,
        "Internal error: the request was not completed; see the server log.",
        http_status=500,
    )


def warm_up() -> None:
    """Build what the first request would: the tool lists and argument validators."""
    for writer in (True, False):
        tools_listed(writer=writer)
    for spec in TOOLS:
        _validator(spec.name)
