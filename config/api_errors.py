"""Every API error is JSON with a `detail` string (the SDKs show it) and the same `error`."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler

from config.errors import DomainError, DomainPermissionError

logger = logging.getLogger(__name__)
# /mcp/: the MCP endpoint (mcpserver/) gets the API's plumbing too: no redirects, English.
API_PREFIXES = ("/v1/", "/v2/", "/v3/", "/api/v1/", "/mcp/")


class DatabaseBusy(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The database did not complete the request (it is restarting, or the connection was "
        "lost): retry in a moment."
    )


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = (
        "Request body too large: send fewer or shorter messages, or raise MAX_REQUEST_BYTES."
    )


def _unstorable_value(exc) -> bool:
    """A NUL, an unpaired surrogate or an infinite number (JSON allows all three; 1e400 parses
    as inf) from the request reached PostgreSQL, which refuses them."""
    if isinstance(exc, UnicodeEncodeError):  # psycopg encoding a str with a lone surrogate
        return exc.reason == "surrogates not allowed"
    if not isinstance(exc, DataError):
        return False
    cause = exc.__cause__
    detail = getattr(getattr(cause, "diag", None), "message_detail", None) or ""
    # psycopg refuses NUL in text; PostgreSQL refuses \u0000 (22P05), lone surrogates and
    # Infinity or NaN in jsonb
    return (
        "NUL (0x00)" in str(exc)
        or getattr(cause, "sqlstate", None) == "22P05"
        or "surrogate" in detail
        or detail.startswith(('Token "Infinity"', 'Token "-Infinity"', 'Token "NaN"'))
    )


def _first_message(data) -> str:
    if isinstance(data, dict):
        for field, value in data.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainPermissionError):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": str(exc)})
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, OperationalError | InterfaceError):
        # Transient (a restart, a lost connection): the client may retry; operators see why.
        logger.warning("database error, answered 503: %s", exc)
        exc = DatabaseBusy()
    if isinstance(exc, RecursionError) and "decoding a JSON" in str(exc):  # DRF's JSONParser
        exc = exceptions.ParseError("JSON parse error - the body is nested too deeply.")
    if _unstorable_value(exc):
        exc = exceptions.ValidationError(
            {
                "detail": "The request holds a NUL (\\u0000), an unpaired surrogate or an "
                "out-of-range number, which cannot be stored: remove it."
            }
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        state = getattr(context["request"], "rate_limit", None)
        if state is not None:
            response["Retry-After"] = str(state.reset_seconds)
            exc.detail = (
                f"Rate limit exceeded: {state.limit} requests a minute for this API key. "
                f"Retry in {state.reset_seconds} s."
            )
            response.data = {"detail": exc.detail}
    data = response.data
    if isinstance(data, dict) and data.keys() == {"detail"} and isinstance(data["detail"], list):
        data = {"detail": str(data["detail"][0])}
    if not (isinstance(data, dict) and isinstance(data.get("detail"), str)):
        fields = data if isinstance(data, dict) else {"errors": data}
        data = {"detail": _first_message(data), **fields}
    data.setdefault("error", data["detail"])
    response.data = _renderable(data)
    return response


def _renderable(data):
    """`data` with unpaired surrogates (a message may echo one from a JSON body: "\\ud800")
    written as their escape: the JSON renderer encodes to UTF-8, which has no form for them."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_renderable(key): _renderable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_renderable(value) for value in data]
    return data


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def not_found(request, exception=None):
    """Django's handler404: JSON under the API paths, the HTML page elsewhere."""
    if is_api_path(request.path):
        message = f"Not found: {request.method} {request.path} is not an Engram API route."
        return JsonResponse({"detail": message, "error": message}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's handler400 (a disallowed Host header, a suspicious request): JSON on API paths."""
    if is_api_path(request.path):
        message = f"Bad request: {exception}" if exception else "Bad request."
        if "ALLOWED_HOSTS" in str(exception):
            host = request.META.get("HTTP_HOST", "")
            message = f"Host {host!r} is not served here: add it to ALLOWED_HOSTS on the server."
        return JsonResponse({"detail": message, "error": message}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if is_api_path(request.path):
        message = "Internal server error: the request was not completed; see the server log."
        return JsonResponse({"detail": message, "error": message}, status=500)
    return defaults.server_error(request)
