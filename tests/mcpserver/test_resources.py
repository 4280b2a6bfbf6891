"""The one resource kind: a user's memories as Markdown."""


def test_it_lists_the_default_user_s_memories_and_the_template(rpc):
    listed = rpc.request("resources/list")["result"]["resources"]
    templates = rpc.request("resources/templates/list")["result"]["resourceTemplates"]

    assert [r["uri"] for r in listed] == ["engram://users/default/memories"]
    assert templates[0]["uriTemplate"] == "engram://users/{user_id}/memories"


def test_it_reads_a_user_s_memories(rpc):
    rpc.ok("add_memory", text="Plays the cello", infer=False, user_id="ann lee")

    contents = rpc.request("resources/read", {"uri": "engram://users/ann%20lee/memories"})

    [content] = contents["result"]["contents"]
    assert content["mimeType"] == "text/markdown"
    assert content["text"].startswith("# Memories of ann lee\n\n- Plays the cello (")


def test_an_unknown_uri_is_invalid_params(rpc):
    answer = rpc.request("resources/read", {"uri": "file:///etc/passwd"})

    assert answer["error"]["code"] == -32602
    assert "engram://users/<user_id>/memories" in answer["error"]["message"]
