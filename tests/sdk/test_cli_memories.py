"""The official Mem0 CLI, `mem0-cli` 0.2.13 (var/sdk/cli-0.2.13), run command by command.

It reads MEM0_BASE_URL and MEM0_API_KEY (or ~/.mem0/config.json), sends `Authorization: Token
<key>`, pings `/v1/ping/` before every command, then calls the v3 routes: add is
`POST /v3/memories/add/`, search `POST /v3/memories/search/` (threshold 0.3 unless told), list
`POST /v3/memories/?page=&page_size=`; get, update and delete use `/v1/memories/{id}/`.
`--json` switches it to one JSON envelope on stdout, the way agents drive it.
"""

import json

import pytest

from tests.sdk import contract

pytestmark = pytest.mark.django_db(transaction=True)

U = "cli-user"
CHINESE = "我喜欢印度菜，但对奶酪过敏不能吃披萨"  # noqa: RUF001 - full-width comma, as written


@pytest.fixture
def wire(monkeypatch):
    """The JSON bodies Engram parsed on the v3 and /v1/memories/{id}/ routes, in order."""
    from memories.api import memories as api

    seen = []
    parse = api.body_of

    def recording(request):
        body = parse(request)
        seen.append((request.method, request.path, request.query_params.dict(), dict(body)))
        return body

    monkeypatch.setattr(api, "body_of", recording)
    return seen


def ok(result):
    assert result.returncode == 0, result
    return result


def remember(cli, text, user_id=U, *options):
    """`mem0 add --no-infer`: stored as given, answered at once with the new id."""
    data = ok(cli("--json", "add", text, "-u", user_id, "--no-infer", *options)).json()["data"]
    assert len(data) == 1 and data[0]["event"] == "ADD", data
    return data[0]["id"]


# --- add ------------------------------------------------------------------------------------


def test_add_without_inference_stores_english_and_chinese_as_given(cli, wire, sdk_alice):
    nurse = remember(cli, "Works as a nurse")
    chinese = remember(cli, CHINESE)

    listed = ok(cli("--json", "list", "-u", U)).json()

    assert [(m["id"], m["memory"]) for m in listed["data"]] == [
        (chinese, CHINESE),
        (nurse, "Works as a nurse"),
    ]
    method, path, _, body = wire[0]
    assert (method, path) == ("POST", "/v3/memories/add/")
    assert body == {
        "messages": [{"role": "user", "content": "Works as a nurse"}],
        "user_id": U,
        "infer": False,
        "source": "CLI",
    }


def test_add_in_text_mode_reports_the_stored_memory(cli):
    added = ok(cli("add", CHINESE, "-u", U, "--no-infer"))

    assert "Memory processed — 1 memory extracted" in added.stdout
    assert CHINESE in added.stdout


def test_add_by_default_is_queued_and_its_event_is_readable(cli):
    queued = ok(cli("add", "I like green tea", "-u", U))
    event_id = queued.stdout.split("event_id: ")[1].split()[0]

    status = ok(cli("--json", "event", "status", event_id)).json()["data"]
    events = ok(cli("--json", "event", "list")).json()["data"]

    assert "Memory queued — 1 event pending" in queued.stdout
    assert status["id"] == event_id and status["event_type"] == "ADD"
    assert status["status"] == "PENDING" and status["results"] == []
    assert [e["id"] for e in events] == [event_id]


@pytest.mark.slow
def test_a_queued_add_is_extracted_by_the_worker(cli, celery_worker_process):
    from tests.conftest import wait_until

    queued = ok(cli("--json", "add", "I am a vegetarian and I love jazz", "-u", U)).json()
    event_id = queued["data"][0]["event_id"]

    def finished():
        event = ok(cli("--json", "event", "status", event_id)).json()["data"]
        return event if event["status"] not in {"PENDING", "RUNNING"} else None

    event = wait_until(finished, seconds=60, interval=1, what="the CLI's add to be extracted")
    listed = ok(cli("--json", "list", "-u", U)).json()["data"]
    assert event["status"] == "SUCCEEDED"
    assert {r["memory"] for r in event["results"]} == {m["memory"] for m in listed}
    assert {m["memory"] for m in listed} == {"Is vegetarian", "Loves jazz"}


def test_import_adds_each_item_of_a_json_file(cli, wire, tmp_path):
    file = tmp_path / "memories.json"
    file.write_text(json.dumps([{"memory": "Likes chess"}, {"text": "Owns a cat"}, {}]))

    imported = ok(cli("--json", "import", str(file), "-u", U)).json()

    assert imported["data"] == {"added": 2, "failed": 1}
    assert [body["messages"][0]["content"] for _, _, _, body in wire] == [
        "Likes chess",
        "Owns a cat",
    ]
    assert {body["user_id"] for _, _, _, body in wire} == {U}


# --- list and get ---------------------------------------------------------------------------


def test_list_pages_and_scopes_to_the_user(cli, wire):
    first, second = remember(cli, "Fact one"), remember(cli, "Fact two")
    remember(cli, "Not mine", user_id="someone-else")

    page = ok(cli("--json", "list", "-u", U, "--page", "2", "--page-size", "1")).json()
    table = ok(cli("list", "-u", U))

    assert [m["id"] for m in page["data"]] == [first]
    assert wire[-2][2] == {"page": "2", "page_size": "1"}
    assert wire[-2][3] == {"filters": {"user_id": U}, "source": "CLI"}
    assert first in table.stdout and second in table.stdout and "Not mine" not in table.stdout
    assert "2 results · page 1 · user_id=cli-user" in table.stdout


def test_get_shows_the_whole_memory(cli):
    memory_id = remember(cli, CHINESE)

    as_json = json.loads(ok(cli("get", memory_id, "-o", "json")).stdout)
    as_text = ok(cli("get", memory_id))

    contract.assert_memory(as_json)
    assert as_json["memory"] == CHINESE and as_json["user_id"] == U
    assert CHINESE in as_text.stdout and memory_id in as_text.stdout


# --- search ---------------------------------------------------------------------------------


def test_search_sends_threshold_0_3_and_finds_the_chinese_memory(cli, wire):
    chinese = remember(cli, CHINESE)
    remember(cli, "Works as a nurse")

    found = ok(cli("--json", "search", "奶酪", "-u", U)).json()

    assert [hit["id"] for hit in found["data"]] == [chinese]
    assert 0.3 <= found["data"][0]["score"] <= 1
    method, path, _, body = wire[-1]
    assert (method, path) == ("POST", "/v3/memories/search/")
    assert body == {
        "query": "奶酪",
        "top_k": 10,
        "threshold": 0.3,
        "filters": {"user_id": U},
        "source": "CLI",
    }


def test_search_with_threshold_0_ranks_the_nurse_first_for_occupation(cli):
    nurse = remember(cli, "Works as a nurse")
    remember(cli, "Likes green tea")

    found = ok(cli("--json", "search", "occupation", "-u", U, "--threshold", "0")).json()

    assert found["data"][0]["id"] == nurse


def test_search_with_the_default_threshold_finds_the_nurse_for_occupation(cli):
    nurse = remember(cli, "Works as a nurse")
    remember(cli, "Has a red bicycle")

    found = ok(cli("--json", "search", "occupation", "-u", U)).json()

    # The CLI sends threshold 0.3: the answer clears it, the unrelated memory does not.
    assert [hit["id"] for hit in found["data"]] == [nurse]


def test_search_with_two_scopes_sends_and_honours_an_and_filter(cli, wire):
    both = remember(cli, "Books flights", U, "--agent-id", "travel")
    remember(cli, "Books flights")

    found = ok(cli("--json", "search", "flights", "-u", U, "--agent-id", "travel")).json()

    assert [hit["id"] for hit in found["data"]] == [both]
    assert wire[-1][3]["filters"] == {"AND": [{"user_id": U}, {"agent_id": "travel"}]}


def test_search_text_output_says_when_nothing_matches(cli):
    remember(cli, "Works as a nurse")

    found = ok(cli("search", "quantum chromodynamics", "-u", U))

    assert "No memories found matching your query." in found.stdout


# --- update and delete ----------------------------------------------------------------------


def test_update_changes_text_and_metadata(cli, wire):
    memory_id = remember(cli, "Drinks coffee")

    updated = ok(cli("--json", "update", memory_id, "Drinks tea", "-m", '{"cups": 2}')).json()
    memory = json.loads(ok(cli("get", memory_id, "-o", "json")).stdout)

    assert updated["data"] == {"id": memory_id, "memory": "Drinks tea", "expiration_date": None}
    assert memory["memory"] == "Drinks tea" and memory["metadata"] == {"cups": 2}
    assert wire[-1][:2] == ("PUT", f"/v1/memories/{memory_id}/")
    assert wire[-1][3] == {"text": "Drinks tea", "metadata": {"cups": 2}, "source": "CLI"}


def test_delete_one_memory_then_get_it_fails(cli):
    memory_id = remember(cli, "Temporary")

    deleted = ok(cli("--json", "delete", memory_id)).json()
    gone = cli("get", memory_id)

    assert deleted["data"] == {"id": memory_id, "deleted": True}
    assert gone.returncode == 1
    assert f"Resource not found: /v1/memories/{memory_id}/" in gone.stderr


def test_delete_all_of_a_user_keeps_other_users(cli):
    remember(cli, "One")
    remember(cli, "Two")
    kept = remember(cli, "Other", user_id="someone-else")

    deleted = ok(cli("delete", "--all", "-u", U, "--force"))

    assert "Deletion started" in deleted.stdout
    assert ok(cli("--json", "list", "-u", U)).json()["data"] == []
    assert [m["id"] for m in ok(cli("--json", "list", "-u", "someone-else")).json()["data"]] == [
        kept
    ]


def test_delete_all_project_wide_deletes_every_memory(cli, sdk_alice):
    remember(cli, "One")
    remember(cli, "Other", user_id="someone-else")

    ok(cli("--json", "delete", "--all", "--project", "--force"))

    assert sdk_alice.project.memories.count() == 0


# --- entities -------------------------------------------------------------------------------


def test_entity_list_and_delete(cli):
    remember(cli, "One")
    kept = remember(cli, "Other", user_id="someone-else")

    users = ok(cli("--json", "entity", "list", "users")).json()["data"]
    ok(cli("--json", "entity", "delete", "-u", U, "--force"))
    after = ok(cli("--json", "entity", "list", "users")).json()["data"]

    assert sorted(u["name"] for u in users) == [U, "someone-else"]
    assert {u["type"] for u in users} == {"user"}
    assert [u["name"] for u in after] == ["someone-else"]
    assert ok(cli("--json", "list", "-u", "someone-else")).json()["data"][0]["id"] == kept


# --- configuration and errors ---------------------------------------------------------------


def test_init_saves_the_host_and_key_for_later_commands(cli, sdk_alice, live_server, tmp_path):
    ok(cli("init", "--api-key", sdk_alice.key, "--user-id", U, key=None))
    memory_id = remember(cli, "Configured once")

    saved = json.loads((tmp_path / ".mem0" / "config.json").read_text())
    listed = ok(cli("--json", "list", key=None, host=None)).json()  # no MEM0_* at all

    assert saved["platform"]["base_url"] == live_server.url
    assert saved["platform"]["api_key"] == sdk_alice.key
    assert saved["platform"]["user_email"] == "alice@example.com"  # from /v1/ping/
    assert saved["defaults"]["user_id"] == U
    assert [m["id"] for m in listed["data"]] == [memory_id]
    assert listed["scope"] == {"user_id": U}


def test_status_shows_connected(cli, live_server):
    status = ok(cli("status"))

    assert "Connected" in status.stdout and live_server.url in status.stdout


def test_a_wrong_key_fails_at_the_ping_with_the_clis_own_message(cli):
    as_text = cli("search", "tea", "-u", U, key="eg_wrong_key")
    as_json = cli("--json", "add", "tea", "-u", U, key="eg_wrong_key")

    # A 401 never shows Engram's body: the CLI prints its own sentence for any 401.
    assert as_text.returncode == 1 and "Error: Invalid or expired API key." in as_text.stderr
    assert as_json.returncode == 1
    assert as_json.json() == {
        "status": "error",
        "command": "add",
        "error": "Invalid or expired API key.",
        "data": None,
    }


def test_a_bad_request_shows_engrams_detail(cli):
    unscoped = cli("search", "tea")
    bad_filter = cli("--json", "search", "tea", "--filter", '{"AND": [{"colour": "red"}]}')

    assert unscoped.returncode == 1
    assert (
        'Error: Bad request to /v3/memories/search/: filters: required, e.g. {"user_id": '
        in unscoped.stderr
    )
    assert bad_filter.returncode == 1
    assert 'got "colour" in filters.AND[0]' in bad_filter.json()["error"]


def test_a_read_only_key_cannot_add(cli, sdk_alice):
    from tests.conftest import Tenant

    reader = Tenant("reader@example.com", "OWNER", project=sdk_alice.project, scopes=("read",))

    refused = cli("add", "tea", "-u", U, "--no-infer", key=reader.key)

    assert refused.returncode == 1
    assert "403 Forbidden" in refused.stderr  # the CLI shows only httpx's status line on a 403
    assert sdk_alice.project.memories.count() == 0
