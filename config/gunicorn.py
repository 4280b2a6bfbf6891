"""Gunicorn settings, loaded with `gunicorn -c python:config.gunicorn` (see platform/Procfile).

Kept in config/ rather than platform/ because gunicorn reads its settings as Python, and
platform/ must hold no Python (its name would shadow the standard library's `platform`).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# SDK clients hold connections open between chat turns; keep-alive saves a TCP handshake.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# The longest request line gunicorn allows (its default is 4094): a GET with many filters or ids
# in its query fits, and it matches the 8 KB buffers of nginx's defaults in front of it. Past it
# the answer is a JSON 414 (config/gunicorn_errors.py).
limit_request_line = 8190


def on_starting(server):
    """Refuse to start on a bad configuration, with one line instead of a traceback per worker."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from config.preflight import exit_on_problems

    exit_on_problems(redis=False)
    from config import gunicorn_errors

    gunicorn_errors.install()  # before the workers fork: each inherits it


def pre_request(worker, req):
    from django.conf import settings

    from config.gunicorn_errors import close_after_refused_body

    close_after_refused_body(req, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def post_worker_init(worker):
    """Load the URLconf and the embedding model in the background, so the first search does not
    pay for them, then move the garbage collector's work between requests (config/collector.py)."""
    import threading

    threading.Thread(target=_warm_up, daemon=True).start()


def _warm_up():
    from django.urls import get_resolver

    _ = get_resolver().url_patterns  # imports every view module now, not on the first request
    from mcpserver.protocol import warm_up  # the SDK's types (~0.4 s), only where /mcp is served

    warm_up()
    if os.environ.get("WARM_EMBEDDINGS", "true").lower() in {"1", "true", "yes"}:
        from memories.embeddings import embed_query

        embed_query("warm up")

    from config.collector import collect_between_requests

    collect_between_requests()
