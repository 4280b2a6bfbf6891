"""`POST /mcp`: MCP's Streamable HTTP transport, stateless, answering each JSON-RPC message
with one `application/json` response. GET (no server-initiated stream is offered) and DELETE
(there is no session to end) answer 405 with `Allow`, which both clients expect.

A `ProjectScopedApi`, like every REST route: the same key authentication (`Token` or `Bearer`),
per-key rate limit, request log and project scoping. Its errors, which the REST API answers as
`{"detail"}`, go out as JSON-RPC errors with the same HTTP status and message.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.api.inputs import MAX_ENTITY_ID_CHARS, BadRequest

USER_HEADER = "X-Engram-User-Id"
_JSON_TYPES = ("application/json", "application/*", "*/*")


def default_user_id(request) -> str:
    """The user a tool call is about when it names none: the connection's `X-Engram-User-Id`
    header or `?user_id=` in the URL it was configured with, else MCP_DEFAULT_USER_ID."""
    chosen = request.headers.get(USER_HEADER) or request.query_params.get("user_id")
    chosen = (chosen or "").strip() or settings.MCP_DEFAULT_USER_ID
    if len(chosen) > MAX_ENTITY_ID_CHARS or "\x00" in chosen:
        raise BadRequest(f"{USER_HEADER} / ?user_id=: at most {MAX_ENTITY_ID_CHARS} characters")
    return chosen


class McpApi(ProjectScopedApi):
    def is_write(self, request) -> bool:
        return False  # a POST may only read: each write tool checks the key (protocol.py)

    def perform_content_negotiation(self, request, force=False):
        # JSON whatever Accept says: a GET asking for `text/event-stream` is to hear 405 (no
        # stream here), not DRF's 406; a POST's Accept is checked below.
        return super().perform_content_negotiation(request, force=True)

    def post(self, request):
        from mcpserver import protocol

        accept = request.headers.get("Accept", "")
        if accept and not any(kind in accept for kind in _JSON_TYPES):
            raise protocol.RpcError(
                protocol.INVALID_REQUEST,
                "Not acceptable: this server answers application/json; send "
                "`Accept: application/json, text/event-stream`.",
                http_status=406,
            )
        payload, status = protocol.answer(
            request, request.data, default_user_id=default_user_id(request)
        )
        return Response(payload, status=status)

    def handle_exception(self, exc):
        """Every failure as a JSON-RPC error: protocol errors as they are, what the REST API
        answers as `{"detail"}` with its status and message, anything else as a logged -32603."""
        from mcp_types import PARSE_ERROR

        from mcpserver import protocol

        rpc_id = getattr(self.request, "mcp_rpc_id", None)
        if isinstance(exc, protocol.RpcError):
            return Response(exc.body(rpc_id), status=exc.http_status)
        try:
            response = super().handle_exception(exc)  # the API's handler: status, headers
        except Exception as uncaught:
            error = protocol.internal_error(uncaught)
            return Response(error.body(rpc_id), status=error.http_status)
        status = response.status_code
        code = protocol.INVALID_REQUEST
        if isinstance(exc, exceptions.ParseError):
            code = PARSE_ERROR
        elif status >= 500:
            code = protocol.INTERNAL_ERROR
        detail = response.data["detail"]
        error = protocol.RpcError(code, detail, data={"status": status}, http_status=status)
        response.data = error.body(rpc_id)
        return response

    def logged_as(self, request, response) -> tuple[str, int]:
        """`/mcp/tools/call/search_memories`; a tool error's status is the REST API's for the
        same mistake (400, 403, 404), though it travels in a 200."""
        path = request.path + getattr(request, "mcp_logged", "")
        return path, getattr(request, "mcp_status", response.status_code)
