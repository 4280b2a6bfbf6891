"""Ready-to-paste configurations of the MCP clients people use, for Engram's `/mcp` endpoint and
one API key (README "Use Engram from Claude, Cursor and other MCP clients" says the same)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

KEY_PLACEHOLDER = "<YOUR_ENGRAM_API_KEY>"


@dataclass(frozen=True)
class ClientConfig:
    slug: str  # the id of its block on the page
    name: str  # a product name: not translated
    where: str  # where the snippet goes
    snippet: str


def mcp_url(base: str, user_id: str = "") -> str:
    """`base` (the absolute /mcp URL) with the connection's default user, if one is given."""
    return f"{base}?{urlencode({'user_id': user_id})}" if user_id else base


def client_configs(url: str, key: str = "") -> list[ClientConfig]:
    """The shell commands quote the URL: zsh refuses an unquoted `?user_id=` as a glob."""
    key = key or KEY_PLACEHOLDER
    bearer = f"Bearer {key}"
    remote = {
        "command": "npx",
        "args": ["-y", "mcp-remote", url, "--header", "Authorization:${ENGRAM_AUTH}"],
        "env": {"ENGRAM_AUTH": bearer},
    }
    return [
        ClientConfig(
            "claude-code",
            "Claude Code",
            _("Run in a terminal (add --scope user to use it in every project):"),
            f'claude mcp add --transport http engram "{url}" --header "Authorization: {bearer}"',
        ),
        ClientConfig(
            "claude-desktop",
            "Claude Desktop",
            _(
                "In claude_desktop_config.json (Settings, Developer, Edit Config), then restart "
                "Claude Desktop. mcp-remote (Node.js) carries the key to Engram:"
            ),
            _json({"mcpServers": {"engram": remote}}),
        ),
        ClientConfig(
            "cursor",
            "Cursor",
            _("In ~/.cursor/mcp.json, or .cursor/mcp.json in a project:"),
            _json({"mcpServers": {"engram": {"url": url, "headers": {"Authorization": bearer}}}}),
        ),
        ClientConfig(
            "generic",
            "Streamable HTTP",
            _(
                "Any client that speaks Streamable HTTP (VS Code, Windsurf, agents): the URL and "
                "this header:"
            ),
            _json({"url": url, "headers": {"Authorization": bearer}}),
        ),
        ClientConfig(
            "stdio",
            "stdio (mcp-remote)",
            _("A client that only starts local (stdio) servers: run this command as the server:"),
            f'npx -y mcp-remote "{url}" --header "Authorization: {bearer}"',
        ),
    ]


def _json(value: dict) -> str:
    return json.dumps(value, indent=2)
