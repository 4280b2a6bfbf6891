"""Serializers that bind shallow copies of their declared fields (memories/api/inputs.py) still
validate each instance on its own."""

from memories.api.memories import MemorySearchApi

Search = MemorySearchApi.InputSerializer


def test_each_instance_binds_its_own_fields():
    first, second = Search(data={}), Search(data={})

    assert first.fields["query"] is not second.fields["query"]
    assert first.fields["query"].parent is first and second.fields["query"].parent is second
    assert Search._declared_fields["query"].parent is None  # the declaration stays unbound


def test_instances_keep_their_own_values_and_errors():
    good = Search(data={"query": "tea", "top_k": 3, "categories": "a, b"})
    bad = Search(data={"query": "", "top_k": 0, "categories": ["x" * 201]})

    assert good.is_valid() and not bad.is_valid()
    assert good.validated_data["top_k"] == 3 and good.validated_data["categories"] == ["a", "b"]
    assert set(bad.errors) == {"query", "top_k", "categories"}
    assert Search(data={"query": "tea"}).is_valid()  # nothing of `bad` stayed behind
