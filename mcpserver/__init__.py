"""Engram's MCP server: `/mcp`, the Model Context Protocol's Streamable HTTP transport in its
stateless JSON mode, served by the web processes (README "Use Engram from Claude, Cursor and
other MCP clients").

- `api.py`: the endpoint, a `ProjectScopedApi` (the REST API's key authentication, rate limit,
  request log and tenant scoping) that answers JSON-RPC.
- `protocol.py`: the JSON-RPC methods (initialize, ping, tools/*, resources/*), with the SDK's
  `mcp_types` models. Imported on the first MCP request (or gunicorn's warm-up), never at
  start-up: it costs ~0.4 s of pydantic models that a Celery worker has no use for.
- `tools.py`: the tools' names, descriptions and input schemas; `handlers.py`: what each does,
  through the REST API's own parsing, services and selectors.

Not named `mcp`: that would shadow the SDK's distribution of the same name.
"""
