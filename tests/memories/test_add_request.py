"""AddRequest's payload: the one JSON form an inferred add takes into the worker."""

from datetime import UTC, date, datetime

from memories.add_request import AddRequest

SCOPE = {"user_id": "alice", "agent_id": None, "app_id": None, "run_id": None}


def test_it_reads_back_what_it_writes():
    add = AddRequest(
        messages=[{"role": "user", "content": "I moved to Austin"}],
        scope=SCOPE,
        metadata={"k": 1},
        immutable=True,
        expiration_date=date(2030, 1, 31),
        created_at=datetime(2023, 11, 14, 22, 13, 20, 250_000, tzinfo=UTC),
        custom_instructions="Only food.",
        sent={"messages": "I moved to Austin", "user_id": "alice", "version": "v2"},
    )

    payload = add.to_payload()
    again = AddRequest.from_payload(payload)

    assert (again.expiration_date, again.created_at) == (add.expiration_date, add.created_at)
    assert (again.messages, again.scope, again.metadata) == (add.messages, SCOPE, {"k": 1})
    assert (again.immutable, again.custom_instructions) == (True, "Only food.")
    assert again.to_payload() == payload


def test_the_payload_keeps_what_was_sent_with_the_parsed_fields():
    sent = {"messages": "hi", "userId": "alice", "immutable": "false", "version": "v2"}
    add = AddRequest(messages=[{"role": "user", "content": "hi"}], scope=SCOPE, sent=sent)

    assert add.to_payload() == {
        "messages": [{"role": "user", "content": "hi"}],
        "userId": "alice",
        "user_id": "alice",
        "immutable": False,
        "version": "v2",
        "expiration_date": None,
        "timestamp": None,
    }


def test_a_verbatim_add_stores_the_user_and_assistant_texts():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "I like tea"}]},
        {"role": "assistant", "content": "  "},
    ]

    assert AddRequest(messages=messages, scope=SCOPE).texts == ["I like tea"]
