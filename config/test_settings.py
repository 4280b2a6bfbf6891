"""Test settings: the real embedded PostgreSQL and a real Redis, isolated per test run."""

import atexit
import os
import tempfile
import uuid

from config import local_services

# Every run gets its own key prefix, so runs sharing one Redis never see each other's
# queues or cache entries. Worker processes started by tests inherit it from the env.
os.environ.setdefault("REDIS_KEY_PREFIX", f"engram-test-{uuid.uuid4().hex[:8]}")

# The run's own redis-server (children inherit its URL), so a test may restart it to prove
# nothing is lost, without touching anyone else's Redis. TEST_REDIS_URL uses a given one.
if "TEST_REDIS_URL" in os.environ:
    os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
elif "ENGRAM_TEST_REDIS_DIR" not in os.environ:
    os.environ["ENGRAM_TEST_REDIS_DIR"] = tempfile.mkdtemp(prefix="engram-redis-")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{local_services.free_port()}/0"
    TEST_REDIS = local_services.start_redis(
        os.environ["REDIS_URL"], os.environ["ENGRAM_TEST_REDIS_DIR"]
    )[0]
    atexit.register(lambda: local_services.stop_process(TEST_REDIS))

from config.settings import *  # noqa: F403

# The per-process API key cache stays on (whatever the environment says), so every API test
# also proves that changes reach the next request.
AUTH_CACHE_SECONDS = 30
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
