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

# Cyclic garbage past the young threshold, then the end of a request: the collection runs then.
BETWEEN_REQUESTS = """
import gc, json, weakref
import django
django.setup()
from django.core.signals import request_finished
from config.collector import BETWEEN_REQUESTS, collect_between_requests

class Node:
    pass

collect_between_requests()
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
nodes = [Node() for _ in range(BETWEEN_REQUESTS[0] + 100)]
for node in nodes:
    node.me = node  # a cycle: only the collector frees it
probe = weakref.ref(nodes[0])
del nodes, node
during = list(collections)
request_finished.send(sender=None)
print(json.dumps({"during": during, "after": collections, "freed": probe() is None}))
"""


def test_warm_up_imports_the_views_and_freezes_what_lives_as_long_as_the_process():
    result = run_in_repo("-c", WARM_UP, env=repo_env(WARM_EMBEDDINGS="false"))

    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {
        "views_before": False,
        "views_after": True,  # the first search imports nothing
        "frozen": state["frozen"],
        "threshold": 100_000,  # the backstop: collections wait for the end of the request
    }
    assert state["frozen"] > 10_000  # Django's modules and settings leave every collection


def test_it_collects_garbage_after_the_response_not_while_allocating():
    result = run_in_repo("-c", BETWEEN_REQUESTS, env=repo_env())

    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {"during": [], "after": [0], "freed": True}
