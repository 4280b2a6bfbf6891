"""One resource kind: what Engram remembers about a user, as a Markdown list a person can attach
to a conversation (Claude Desktop's and VS Code's "attach resource"). Listed for the
connection's default user; any other user through the template. No prompts: the tool
descriptions and the initialize instructions already tell a model when to remember and recall.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import mcp_types as types
from rest_framework.request import Request

from memories.selectors.memories import memory_list
from memories.selectors.where import Selection, selection_where

LIMIT = 100  # the newest memories: a resource is read whole into the model's context
_URI = re.compile(r"^engram://users/(?P<user>[^/]+)/memories$")
TEMPLATE = types.ResourceTemplate(
    name="user-memories",
    title="A user's memories",
    uri_template="engram://users/{user_id}/memories",
    description=f"The newest {LIMIT} memories about one user, as a Markdown list.",
    mime_type="text/markdown",
)


def uri_of(user_id: str) -> str:
    return f"engram://users/{quote(user_id, safe='')}/memories"


def listed(user_id: str) -> types.Resource:
    return types.Resource(
        name="default-user-memories",
        title=f"Memories of {user_id}",
        uri=uri_of(user_id),
        description=f"The newest {LIMIT} memories about {user_id}, this connection's default user.",
        mime_type="text/markdown",
    )


def read(request: Request, uri: str) -> str | None:
    """The resource at `uri` in the key's project, or None for a URI that names none."""
    match = _URI.match(uri)
    if match is None:
        return None
    user_id = unquote(match["user"])
    where, _ = selection_where(Selection(filters={"user_id": user_id}))
    memories = list(memory_list(project=request.auth.project, where=where)[:LIMIT])
    if not memories:
        return f"# Memories of {user_id}\n\nNothing is remembered about {user_id} yet.\n"
    lines = [f"- {m.text} ({m.created_at:%Y-%m-%d}, id {m.pk})" for m in memories]
    return f"# Memories of {user_id}\n\n" + "\n".join(lines) + "\n"
