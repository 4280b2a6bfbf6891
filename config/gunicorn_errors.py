"""What gunicorn itself answers, before Django sees a request, made to follow the API's rules:
errors are JSON with a `detail` (config/api_errors.py), and a refused body closes the connection.

gunicorn answers a request it cannot parse (a request line over `limit_request_line`, a NUL or
other byte not allowed in a header) with an HTML page from `gunicorn.util.write_error`. No
setting changes that page, and `Worker.handle_error`, its one caller, is ~100 lines that pick the
status; so the worker process replaces that one function, whose signature has been stable since
gunicorn 19, and keeps gunicorn's choice of status.
"""

from __future__ import annotations

import json

from gunicorn import util

URI_TOO_LONG_HINT = (
    "send long values in a JSON body instead, e.g. filters to POST /v2/memories/ or "
    "POST /v2/memories/search/"
)
SERVER_ERROR = "Internal server error: the request was not completed; see the server log."


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering JSON; the connection closes after it."""
    if status_int == 414:
        detail = f"Request line too long: {mesg}; {URI_TOO_LONG_HINT}."
    elif status_int >= 500 and not mesg:
        detail = SERVER_ERROR
    else:
        detail = f"{reason}: {mesg}" if mesg else reason
    body = json.dumps({"detail": detail, "error": detail}).encode()  # ASCII: any byte is safe
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    util.write_error = write_json_error


def close_after_refused_body(req, max_bytes: int) -> None:
    """A body over `max_bytes` is answered 413 without being read (config/api_errors.py). gunicorn
    would then drain at most 64 KB of it and drop a connection it had announced as kept alive, so
    the client's next request on it is reset: announce `Connection: close` instead."""
    length = next((value for name, value in req.headers if name == "CONTENT-LENGTH"), "0")
    if length.isdigit() and int(length) > max_bytes:
        req.must_close = True
