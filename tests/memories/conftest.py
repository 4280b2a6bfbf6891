import pytest


@pytest.fixture
def add(alice):
    """Store verbatim memories for alice (infer=false) and return their ids."""

    def add(*texts: str, client=None, **fields) -> list[str]:
        body = {
            "messages": [{"role": "user", "content": text} for text in texts],
            "infer": False,
            **({"user_id": "alice"} if not any(k.endswith("_id") for k in fields) else {}),
            **fields,
        }
        response = (client or alice.client()).post("/v3/memories/add/", body, format="json")
        assert response.status_code == 200, response.content
        return [result["id"] for result in response.json()["results"]]

    return add


@pytest.fixture
def extract(alice, settings):
    """Add `messages` (a text or a list of messages) for alice with inference on and run the
    extraction as the worker would, with the offline extractor (no LLM); the finished Event."""
    from memories.services.extraction import extraction_run

    settings.LLM_MODEL = ""

    def extract(messages):
        body = {"messages": messages, "user_id": "alice"}
        event_id = alice.client().post("/v3/memories/add/", body, format="json").json()["event_id"]
        return extraction_run(event_id=event_id)

    return extract
