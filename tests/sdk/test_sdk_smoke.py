"""Each SDK line installs (var/sdk/), loads the pinned version and constructs against Engram."""

import pytest

from tests.sdk import harness

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("fixture", ["sdk_py1", "sdk_py0118"])
def test_old_python_sdks_construct_and_learn_org_and_project(
    request, fixture, sdk_session, sdk_alice
):
    spec = request.getfixturevalue(fixture)

    client = sdk_session(spec, sdk_alice)

    assert client.identity["sdk_version"] == spec.version
    assert client.identity["sdk_file"].startswith(str(spec.path))
    assert client.identity["telemetry"] == "false"
    assert client.identity["class"] == "MemoryClient"
    assert client.identity["org_id"] == sdk_alice.organization.public_id
    assert client.identity["project_id"] == sdk_alice.project.public_id
    assert client.identity["user_email"] == "alice@example.com"


@pytest.mark.parametrize("fixture", ["sdk_py1", "sdk_py0118"])
def test_old_python_sdks_report_a_wrong_key_with_our_message(
    request, fixture, sdk_session, sdk_alice
):
    spec = request.getfixturevalue(fixture)
    sdk_alice.key = "eg_wrong_key"

    with pytest.raises(harness.SdkCallError) as caught:
        sdk_session(spec, sdk_alice)

    assert caught.value.type == "ValueError"
    assert caught.value.message.startswith("Error: Invalid API key.")


@pytest.mark.parametrize("fixture", ["sdk_js3", "sdk_js2"])
def test_js_sdks_construct_and_learn_org_and_project(request, fixture, sdk_session, sdk_alice):
    spec = request.getfixturevalue(fixture)

    client = sdk_session(spec, sdk_alice)

    assert client.identity["sdk_version"] == spec.version
    assert client.identity["default_is_named"] is True
    assert client.identity["telemetry"] == "false"
    assert client.identity["org_id"] == sdk_alice.organization.public_id
    assert client.identity["project_id"] == sdk_alice.project.public_id
    assert client.identity["telemetry_id"] == "alice@example.com"


def test_js2_rejects_a_wrong_key_at_its_first_ping(sdk_js2, sdk_session, sdk_alice):
    sdk_alice.key = "eg_wrong_key"

    with pytest.raises(harness.SdkCallError) as caught:
        sdk_session(sdk_js2, sdk_alice)

    assert caught.value.type == "AuthenticationError"
    assert "Invalid API key" in caught.value.message


def test_the_cli_installs_apart_and_reaches_engram(sdk_cli, cli, live_server):
    version = cli("--version")
    status = cli("--json", "status")

    assert (sdk_cli.path / "mem0_cli" / "__init__.py").exists()
    assert version.returncode == 0 and "CLI v0.2.13" in version.stdout, version
    assert status.json()["data"] == {
        "connected": True,
        "backend": "platform",
        "base_url": live_server.url,
    }


def test_the_python_driver_also_runs_a_whole_scenario_from_stdin(sdk_py1, live_server, sdk_alice):
    import json
    import subprocess
    import sys

    scenario = {
        "host": live_server.url,
        "api_key": sdk_alice.key,
        "calls": [{"method": "__identity__"}, {"method": "no_such_method"}],
    }
    done = subprocess.run(
        [sys.executable, str(harness.DRIVERS / "py_driver.py")],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        env=harness.sdk_env(sdk_py1),
        timeout=120,
    )
    answers = [
        json.loads(line[len(harness.PREFIX) :])
        for line in done.stdout.splitlines()
        if line.startswith(harness.PREFIX)
    ]

    assert [a["ok"] for a in answers] == [True, True, False], done.stderr
    assert answers[1]["value"]["sdk_version"] == "1.0.11"
    assert answers[2]["error"]["type"] == "AttributeError"


def test_a_failed_install_raises_with_the_installers_output(tmp_path, monkeypatch):
    spec = harness.SdkSpec("node", "0.0.0-missing")
    monkeypatch.setattr(harness, "SDK_ROOT", tmp_path)
    monkeypatch.setattr(type(spec), "path", property(lambda self: tmp_path / self.name))
    monkeypatch.setattr(
        harness,
        "_install_command",
        lambda spec, into: ["sh", "-c", "echo 'npm error 404 No match for mem0ai' >&2; exit 3"],
    )

    with pytest.raises(harness.SdkInstallError, match=r"(?s)exited 3:.*npm error 404 No match"):
        harness.ensure_installed(spec)

    assert not harness.is_installed(spec)
    assert [p.name for p in tmp_path.iterdir()] == [".node-0.0.0-missing.lock"]
