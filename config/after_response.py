"""Bookkeeping that must not delay an answer runs after the response has been sent.

The WSGI server writes the body, then calls the response's `close()`, which sends Django's
`request_finished` signal; by then the client already has its answer. The request log entry, the
search-hit counters and the API key's last-used time are queued here during a request and run
from that signal, so an SDK call no longer waits for their Redis and database round trips.
Outside a request (Celery, management commands, a view called directly) the work runs at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)
_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_response", default=None)


def after_response(work: Callable[[], None]) -> None:
    """Run `work` once the current response is sent, or now when no request is in progress."""
    pending = _pending.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def _begin(**kwargs) -> None:
    _pending.set([])


def _run_pending(**kwargs) -> None:
    pending = _pending.get()
    _pending.set(None)
    for work in pending or ():
        try:
            work()
        except Exception:  # one failed bookkeeping step must not skip the others
            logger.exception("after-response work %r failed", work)


request_started.connect(_begin, dispatch_uid="after_response_begin")
request_finished.connect(_run_pending, dispatch_uid="after_response_run")
