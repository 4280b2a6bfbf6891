"""Test settings: the real embedded PostgreSQL and a real Redis, isolated per test run."""

import atexit
import os
import tempfile
import uuid

from config import local_services

# Every run gets its own key prefix, so runs sharing one Redis never see each other's
# queues or cache entries. Worker processes started by tests inherit it from the env.
os.environ.setdefault("REDIS_KEY_PREFIX", f"engram-test-{uuid.uuid4().hex[:8]}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
if not local_services.redis_answers(os.environ["REDIS_URL"]):
    # No Redis on this machine: start a private one for this run.
    _url = f"redis://127.0.0.1:{local_services.free_port()}/0"
    _process, _ = local_services.start_redis(_url, tempfile.mkdtemp(prefix="engram-redis-"))
    atexit.register(local_services.stop_process, _process)
    os.environ["REDIS_URL"] = _url

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Each run gets its own test database, so runs sharing the embedded server (a developer's and
# a CI clone's, or parallel sessions) never drop each other's. Child processes inherit it.
os.environ.setdefault("ENGRAM_TEST_DATABASE", f"test_engram_{uuid.uuid4().hex[:8]}")
DATABASES["default"]["TEST"] = {"NAME": os.environ["ENGRAM_TEST_DATABASE"]}  # noqa: F405
if os.environ.get("ENGRAM_USE_TEST_DATABASE"):
    # A worker or server process started by a test works on that run's test database.
    DATABASES["default"]["NAME"] = os.environ["ENGRAM_TEST_DATABASE"]  # noqa: F405
# Live-server threads must not keep connections that block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
