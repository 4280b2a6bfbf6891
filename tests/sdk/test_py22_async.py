"""The real `mem0ai` 2.2.1 `AsyncMemoryClient` against a live Engram: every public memory method.

One event loop per test (the client's httpx.AsyncClient is bound to it); each test is an
`async def` scenario run to completion on it.
"""

import asyncio

import pytest
from mem0 import AsyncMemoryClient
from mem0.exceptions import MemoryNotFoundError, ValidationError

from tests.sdk import contract

pytestmark = pytest.mark.django_db(transaction=True)

U = "py22-async-user"


@pytest.fixture
def run(sdk_alice, live_server):
    """`run(scenario)`: await `scenario(client)` with alice's AsyncMemoryClient."""
    loop = asyncio.new_event_loop()
    clients = []

    def run(scenario, tenant=None):
        async def main():
            client = AsyncMemoryClient(api_key=(tenant or sdk_alice).key, host=live_server.url)
            clients.append(client)
            return await scenario(client)

        return loop.run_until_complete(main())

    yield run
    for client in clients:
        loop.run_until_complete(client.async_client.aclose())
    loop.close()


async def remember(client, text, user_id=U, **kwargs):
    answer = await client.add(
        [{"role": "user", "content": text}], user_id=user_id, infer=False, **kwargs
    )
    return answer["results"][0]["id"]


def test_it_constructs_and_learns_org_and_project(run, sdk_alice):
    async def scenario(client):
        return client.org_id, client.project_id, client.user_email

    assert run(scenario) == (
        sdk_alice.organization.public_id,
        sdk_alice.project.public_id,
        "alice@example.com",
    )


def test_add_sync_and_queued(run):
    async def scenario(client):
        stored = await client.add(
            [{"role": "user", "content": "Speaks French"}],
            filters={"user_id": U},
            infer=False,
            metadata={"lang": "fr"},
        )
        queued = await client.add("I moved to Lisbon", user_id=U)
        return stored, queued, await client.get(stored["results"][0]["id"])

    stored, queued, memory = run(scenario)

    assert stored["status"] == "SUCCEEDED"
    contract.assert_sync_add_item(stored["results"][0])
    assert queued["status"] == "PENDING"
    assert contract.is_uuid(queued["event_id"])
    contract.assert_memory(memory)
    assert memory["metadata"] == {"lang": "fr"}


def test_search_and_get_all_pages(run):
    async def scenario(client):
        sushi = await remember(client, "My favourite food is sushi")
        await remember(client, "I go hiking in the Alps every summer")
        await remember(client, "I collect vinyl records")
        found = await client.search("favourite food sushi", filters={"user_id": U})
        first = await client.get_all(filters={"user_id": U}, page=1, page_size=2)
        second = await client.get_all(filters={"user_id": U}, page=2, page_size=2)
        return sushi, found, first, second

    sushi, found, first, second = run(scenario)

    contract.assert_search_results(found["results"])
    assert found["results"][0]["id"] == sushi
    contract.assert_page(first, count=3)
    contract.assert_page(second, count=3)
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]


def test_get_update_history_delete(run):
    async def scenario(client):
        memory_id = await remember(client, "Drinks coffee")
        updated = await client.update(memory_id, text="Drinks tea", metadata={"x": 1})
        expiring = await client.update(memory_id, expiration_date="2099-01-01")
        cleared = await client.update(memory_id, expiration_date=None)
        history = await client.history(memory_id)
        deleted = await client.delete(memory_id, delete_linked=True)
        try:
            await client.get(memory_id)
        except MemoryNotFoundError:
            gone = True
        else:
            gone = False
        return updated, expiring, cleared, history, deleted, gone

    updated, expiring, cleared, history, deleted, gone = run(scenario)

    contract.assert_memory(updated)
    assert updated["memory"] == "Drinks tea" and updated["metadata"] == {"x": 1}
    assert expiring["expiration_date"] == "2099-01-01"
    assert cleared["expiration_date"] is None
    for entry in history:
        contract.assert_history_entry(entry)
    assert [h["event"] for h in history][:2] == ["ADD", "UPDATE"]
    assert deleted["message"] == "Memory deleted successfully!"
    assert isinstance(deleted["cascade_count"], int)
    assert gone


def test_delete_all_by_user_id_and_by_filters(run):
    async def scenario(client):
        await remember(client, "Mine")
        await remember(client, "Also mine", user_id="second-user")
        other = await remember(client, "Theirs", user_id="third-user")
        by_id = await client.delete_all(user_id=U)
        by_filters = await client.delete_all(filters={"user_id": "second-user"})
        left = [
            (await client.get_all(filters={"user_id": u}))["count"]
            for u in (U, "second-user", "third-user")
        ]
        return by_id, by_filters, left, await client.get(other)

    by_id, by_filters, left, other = run(scenario)

    assert isinstance(by_id["message"], str) and isinstance(by_filters["message"], str)
    assert left == [0, 0, 1]
    assert other["memory"] == "Theirs"


def test_delete_all_without_a_filter_is_refused(run):
    async def scenario(client):
        with pytest.raises(ValidationError):
            await client.delete_all()

    run(scenario)


def test_users_delete_users_and_reset(run):
    async def scenario(client):
        await remember(client, "One")
        await remember(client, "Two", user_id="second-user")
        await remember(client, "Three", user_id="third-user")
        listed = await client.users()
        one = await client.delete_users(user_id=U)
        after_one = await client.users()
        reset = await client.reset()
        return listed, one, after_one, reset, await client.users()

    listed, one, after_one, reset, after_reset = run(scenario)

    contract.assert_entities(listed)
    assert set(contract.entity_names(listed)) == {U, "second-user", "third-user"}
    assert one == {"message": "Entity deleted successfully."}
    assert set(contract.entity_names(after_one)) == {"second-user", "third-user"}
    assert reset == {"message": "Client reset successful. All users and memories deleted."}
    assert after_reset["results"] == []


def test_delete_users_without_arguments(run):
    async def scenario(client):
        await remember(client, "One")
        await client.add("Agent fact", agent_id="helper", infer=False)
        return await client.delete_users(), await client.users()

    answer, users = run(scenario)

    assert answer == {"message": "All users, agents, apps and runs deleted."}
    assert users["results"] == []


def test_batch_update_batch_delete_and_feedback(run):
    async def scenario(client):
        first = await remember(client, "First")
        second = await remember(client, "Second")
        feedback = await client.feedback(first, "NEGATIVE", "wrong")
        updated = await client.batch_update(
            [{"memory_id": first, "text": "First!"}, {"memory_id": second, "text": "Second!"}]
        )
        texts = [(await client.get(m))["memory"] for m in (first, second)]
        deleted = await client.batch_delete([{"memory_id": first}, {"memory_id": second}])
        return feedback, updated, texts, deleted, await client.get_all(filters={"user_id": U})

    feedback, updated, texts, deleted, left = run(scenario)

    assert feedback["feedback"] == "NEGATIVE" and feedback["feedback_reason"] == "wrong"
    assert contract.is_uuid(feedback["id"])
    assert updated == {"message": "Successfully updated 2 memories"}
    assert texts == ["First!", "Second!"]
    assert deleted == {"message": "Successfully deleted 2 memories"}
    assert left["count"] == 0


def test_another_tenant_never_sees_alices_memories(run, sdk_charlie):
    async def alice(client):
        return await remember(client, "Alice's secret")

    memory_id = run(alice)

    async def charlie(client):
        searched = await client.search("secret", filters={"user_id": U})
        listed = await client.get_all(filters={"user_id": U})
        users = await client.users()
        with pytest.raises(MemoryNotFoundError):
            await client.get(memory_id)
        return searched, listed, users

    searched, listed, users = run(charlie, tenant=sdk_charlie)

    assert searched["results"] == []
    assert listed["count"] == 0
    assert U not in contract.entity_names(users)
