"""Drive a real `mem0ai` Python SDK from JSON lines (see tests/sdk/harness.py).

stdin, one JSON object a line:
  1st: {"host": "...", "api_key": "...", "client": "sync" | "async", "calls": [call, ...]?}
  then: {"method": "add", "args": [...], "kwargs": {...}}   (any number, until EOF)
stdout: one line `@@engram-sdk@@ {"ok": true, "value": ...}` or `{"ok": false, "error": {...}}`
for the construction (`__init__`), then one for each call, in order.

The special method `__identity__` returns what the client learned from ping. Whatever `mem0` is
first on sys.path is driven: run with PYTHONPATH=var/sdk/py-<version>.
"""

import asyncio
import importlib.metadata
import json
import os
import sys
import traceback

PREFIX = "@@engram-sdk@@ "
OUT = sys.stdout
sys.stdout = sys.stderr  # anything the SDK prints must not corrupt the answer stream


def emit(answer):
    OUT.write(PREFIX + json.dumps(answer, default=str) + "\n")
    OUT.flush()


def describe(exc):
    error = {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(getattr(exc, "message", None) or exc),
        "traceback": traceback.format_exc()[-2000:],
    }
    for attribute in ("error_code", "details", "debug_info", "suggestion"):
        value = getattr(exc, attribute, None)
        if value is not None:
            error[attribute] = value
    return error


def identity(client):
    import mem0

    return {
        "org_id": client.org_id,
        "project_id": client.project_id,
        "user_email": getattr(client, "user_email", None),
        "sdk_version": importlib.metadata.version("mem0ai"),
        "sdk_file": mem0.__file__,
        "telemetry": os.environ.get("MEM0_TELEMETRY"),
        "class": type(client).__name__,
    }


def main():
    lines = iter(sys.stdin)
    header = json.loads(next(lines))
    loop = asyncio.new_event_loop()
    try:
        from mem0 import AsyncMemoryClient, MemoryClient

        cls = AsyncMemoryClient if header.get("client") == "async" else MemoryClient
        client = cls(api_key=header["api_key"], host=header["host"])
        emit({"ok": True, "value": identity(client)})
    except Exception as exc:
        emit({"ok": False, "error": describe(exc)})
        return

    def calls():
        yield from header.get("calls") or []
        for line in lines:
            if line.strip():
                yield json.loads(line)

    for call in calls():
        method = call["method"]
        try:
            if method == "__identity__":
                value = identity(client)
            else:
                value = getattr(client, method)(*call.get("args", []), **call.get("kwargs", {}))
                if asyncio.iscoroutine(value):
                    value = loop.run_until_complete(value)
            emit({"ok": True, "value": value})
        except Exception as exc:
            emit({"ok": False, "error": describe(exc)})
    if hasattr(client, "async_client"):
        loop.run_until_complete(client.async_client.aclose())
    loop.close()


if __name__ == "__main__":
    main()
