"""What a web worker does once started (config/gunicorn.py: post_worker_init), in a fresh process
as gunicorn would run it."""

import json

from tests.conftest import repo_env, run_in_repo

WARM_UP = """
import gc, json, sys
import django
django.setup()
from config import gunicorn
before = "memories.api.memories" in sys.modules
gunicorn._warm_up()
print(json.dumps({
    "views_before": before,
    "views_after": "memories.api.memories" in sys.modules,
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold()[0],
}))
"""


def test_warm_up_imports_the_views_and_freezes_what_lives_as_long_as_the_process():
    result = run_in_repo("-c", WARM_UP, env=repo_env(WARM_EMBEDDINGS="false"))

    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {
        "views_before": False,
        "views_after": True,  # the first search imports nothing
        "frozen": state["frozen"],
        "threshold": 10_000,
    }
    assert state["frozen"] > 10_000  # Django's modules and settings leave every collection
