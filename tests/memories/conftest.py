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
