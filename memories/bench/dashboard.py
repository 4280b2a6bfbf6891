"""`manage.py bench dashboard`: server time of the dashboard's heaviest screens on a big project.

Requests go through Django's test client in process (middleware, view, queries and template
rendering: everything the server does, without the network), signed in as the project's owner.
"""

from __future__ import annotations

import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memories.bench.search import bench_project, percentiles


def _pages(project, users: int, per_entity: int) -> dict[str, str]:
    org, pid = project.organization.public_id, project.public_id
    entities = reverse("dashboard:entity-list", args=[org, pid])
    entity = reverse("dashboard:entity-detail", args=[org, pid, "user", f"user-{users // 2}"])
    return {
        "overview": reverse("dashboard:overview", args=[org, pid]),
        "entity list, by name": entities,
        "entity list, by memory count": f"{entities}?sort=-memories",
        "entity list, by last activity": f"{entities}?sort=-updated",
        "entity list, search 'user-4'": f"{entities}?q=user-4",
        "entity list, page 10 (htmx)": f"{entities}?offset=450",
        "entity memories, first page": entity,
        "entity memories, page 2 (htmx)": f"{entity}?offset=50",
        "entity memories, last page (htmx)": f"{entity}?offset={max(per_entity - 50, 0)}",
        "entity memories, text filter": f"{entity}?q=coffee",
    }


def run(*, memories: int, users: int, repeats: int, pool_size: int, reload: bool, progress):
    project, _key, loaded = bench_project(
        memories, users, progress, pool_size=pool_size, reload=reload
    )
    owner = project.organization.memberships.select_related("user").first().user
    client = Client(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS accepts by default
    client.force_login(owner)
    results = {"memories": memories, "users": users, "repeats": repeats, "load": loaded}
    pages = {}
    for name, url in _pages(project, users, memories // users).items():
        headers = {"HTTP_HX_REQUEST": "true"} if "htmx" in name else {}
        client.get(url, **headers)  # warm caches and connections
        samples = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get(url, **headers)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
        pages[name] = {
            **percentiles(samples),
            "queries": len(queries.captured_queries) // repeats,
            "bytes": len(response.content),
        }
        progress(f"  {name}: p50 {pages[name]['p50']:.1f} ms")
    results["pages"] = pages
    return results
