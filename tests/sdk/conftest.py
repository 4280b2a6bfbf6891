import os

import pytest

os.environ["MEM0_TELEMETRY"] = "false"  # before mem0 is imported: no calls to a third party

from tests.sdk import harness


@pytest.fixture
def sdk_alice(transactional_db, live_server):
    """alice's tenant, committed so the live server's threads see it."""
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def sdk_charlie(transactional_db, live_server):
    """An owner of another organization: must never see alice's memories."""
    from tests.conftest import Tenant

    return Tenant("charlie@example.com", "OWNER")


@pytest.fixture
def memory_client(sdk_alice, live_server):
    from mem0 import MemoryClient

    return MemoryClient(api_key=sdk_alice.key, host=live_server.url)


# --- old SDKs, installed under var/sdk/ and run as subprocesses -----------------------------


def _installed(spec: harness.SdkSpec):
    try:
        return harness.ensure_installed(spec)
    except harness.SdkInstallError as exc:
        pytest.fail(f"installing the SDK {spec.name} failed:\n{exc}", pytrace=False)


@pytest.fixture(scope="session")
def sdk_py1():
    _installed(harness.PY_1)
    return harness.PY_1


@pytest.fixture(scope="session")
def sdk_py0118():
    _installed(harness.PY_0118)
    return harness.PY_0118


@pytest.fixture(scope="session")
def sdk_js3():
    _installed(harness.JS_3)
    return harness.JS_3


@pytest.fixture(scope="session")
def sdk_js2():
    _installed(harness.JS_2)
    return harness.JS_2


@pytest.fixture(scope="session")
def sdk_cli():
    _installed(harness.CLI)
    return harness.CLI


@pytest.fixture
def cli(sdk_cli, sdk_alice, live_server, tmp_path):
    """`cli("search", "tea", "-u", "bob")`: the official `mem0` CLI, run once, as alice.

    `key=` overrides her API key; `key=None` / `host=None` leave MEM0_API_KEY / MEM0_BASE_URL
    unset (the CLI then reads ~/.mem0/config.json). `$HOME` is this test's own directory."""

    def run(*args: str, key: str | None = sdk_alice.key, host: str | None = live_server.url):
        return harness.run_cli(sdk_cli, *args, host=host, api_key=key, home=tmp_path)

    return run


@pytest.fixture
def sdk_session(live_server):
    """`sdk_session(spec, tenant)`: a client of that SDK, in its own process, for that tenant."""
    sessions = []

    def start(spec: harness.SdkSpec, tenant, client: str = "sync") -> harness.SdkSession:
        session = harness.SdkSession(spec, live_server.url, tenant.key, client=client)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def pytest_terminal_summary(terminalreporter):
    if harness.INSTALL_TIMES:
        done = ", ".join(f"{name} {s} s" for name, s in sorted(harness.INSTALL_TIMES.items()))
        terminalreporter.write_line(f"SDKs installed under var/sdk/ by this run: {done}")
