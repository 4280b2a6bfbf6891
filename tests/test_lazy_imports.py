"""Start-up stays light: the URL conf, APIs and tasks import no ML/LLM library until used."""

from tests.conftest import run_in_repo

HEAVY = ("onnxruntime", "onnx", "tokenizers", "openai", "numpy.linalg")
# The MCP SDK (its types alone are ~0.4 s of pydantic models): loaded by the first /mcp request
# or gunicorn's warm-up, never by the URL conf, a Celery worker or the REST API.
MCP = ("mcp", "mcp_types", "jsonschema", "mcpserver.protocol")

CHECK = f"""
import sys, django
django.setup()
import config.urls, memories.tasks, accounts.tasks, memories.api.memories, memories.api.legacy
import mcpserver.api
from django.urls import resolve
resolve("/v3/memories/search/")
resolve("/mcp/")
print(",".join(name for name in {HEAVY + MCP!r} if name in sys.modules))
"""


def test_it_imports_no_heavy_library_at_start_up():
    result = run_in_repo("-c", CHECK)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
