import io
import json
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Project
from memories import embeddings
from memories.models import Entity, Event, Feedback, Memory, MemoryHistory
from memories.models_webhooks import Webhook
from memories.services.portability import project_export
from memories.services.portability_import import PortabilityError, project_import


@pytest.fixture
def world(alice, add):
    """alice's project with settings, entities, updated and archived memories, history,
    feedback, events and a webhook."""
    project = alice.project
    Project.objects.filter(pk=project.pk).update(
        description="d",
        custom_instructions="be brief",
        custom_categories=[{"food": "what one eats"}],
        decay=True,
        retrieval_criteria=[{"name": "recency", "weight": 1}],
        rate_limit_per_minute=77,
    )
    client = alice.client()
    tea, paris = add("I like tea", "I live in Paris", agent_id="chef", metadata={"k": [1, "é"]})
    add("a run memory", run_id="r1")
    assert (
        client.put(f"/v1/memories/{tea}/", {"text": "I like green tea"}, format="json").status_code
        == 200
    )
    body = {"memory_id": tea, "feedback": "NEGATIVE", "feedback_reason": "wrong"}
    assert client.post("/v1/feedback/", body, format="json").status_code == 200
    Memory.objects.filter(pk=paris).update(
        state="archived",
        replaced_by_id=tea,
        access_count=3,
        last_accessed_at=timezone.now() - timedelta(days=2),
        subject="residence",
        expiration_date=date(2031, 1, 2),
        categories=["home"],
        immutable=True,
    )
    Entity.objects.filter(project=project, name="chef").update(metadata={"role": "cook"})
    Webhook.objects.create(
        project=project, name="hook", url="https://93.184.216.34/h", event_types=["memory_add"]
    )
    project.refresh_from_db()
    return project


def snapshot(project) -> dict:
    """Every exported field of every row, ids included, without the project and key FKs."""

    def rows(queryset, *exclude, order=("created_at", "pk")):
        names = [
            f.attname
            for f in queryset.model._meta.concrete_fields
            if f.attname not in {"project_id", "search_vector", *exclude}
        ]
        return list(queryset.filter(project=project).order_by(*order).values(*names))

    memories = rows(Memory.objects, "embedding")
    vectors = dict(
        Memory.objects.filter(project=project).values_list("id", "embedding").order_by("id")
    )
    for memory in memories:
        memory["embedding"] = [float(v) for v in vectors[memory["id"]]]
    return {
        "entities": rows(Entity.objects, "id", order=("type", "name")),
        "memories": memories,
        "history": rows(MemoryHistory.objects, "actor_api_key_id", "actor_user_id"),
        "feedback": rows(Feedback.objects, "api_key_id"),
        "events": rows(Event.objects, "api_key_id"),
        "webhooks": rows(Webhook.objects, "id", "secret", "created_by_id"),
    }


def export(project, **options) -> str:
    return "".join(project_export(project=project, **options))


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_round_trip_into_a_new_project_keeps_every_field_and_id(world, alice):
    before, text = snapshot(world), export(world)
    settings_before = {
        k: getattr(world, k) for k in ("name", "custom_categories", "decay", "retrieval_criteria")
    }
    world.delete()  # as if moving to another instance

    result = project_import(lines=io.StringIO(text), organization=alice.organization.public_id)

    project = result.project
    assert project.organization == alice.organization and project.public_id != world.public_id
    assert {k: getattr(project, k) for k in settings_before} == settings_before
    assert project.rate_limit_per_minute == 77
    assert snapshot(project) == before
    assert result.counts == {
        "entity": 2,
        "memory": 3,
        "history": 4,
        "feedback": 1,
        "event": 2,
        "webhook": 1,
    }
    assert (result.remapped, result.reembedded, result.skipped) == (0, 0, 0)
    assert Memory.objects.get(text="I live in Paris").replaced_by.text == "I like green tea"
    assert Webhook.objects.get(project=project).secret == result.webhook_secrets[0][1]


def test_export_import_export_gives_the_same_file(world, alice):
    first = records(export(world))
    world.delete()
    project = project_import(
        lines=io.StringIO("".join(json.dumps(r) + "\n" for r in first)),
        organization=alice.organization.public_id,
    ).project

    second = records(export(project))

    for header in (first[0], second[0]):
        header.pop("exported_at")
        for key in ("public_id", "created_at", "updated_at"):
            header["project"].pop(key)
    for record in first + second:
        if record.get("type") == "history":
            record.pop("actor")  # alice's key went with the deleted project
    assert second == first


def test_importing_twice_into_the_same_project_adds_nothing(world):
    before, text = snapshot(world), export(world)

    for _ in range(2):
        result = project_import(lines=io.StringIO(text), into=world)

    assert snapshot(world) == before
    assert result.remapped == 0 and result.webhook_secrets == []
    assert Webhook.objects.filter(project=world).count() == 1


def test_ids_used_by_another_project_are_remapped_with_their_references(world, alice):
    before, text = snapshot(world), export(world)

    first = project_import(lines=io.StringIO(text), project_name="copy")
    again = project_import(lines=io.StringIO(text), into=first.project)

    copy = first.project
    assert snapshot(world) == before
    assert first.remapped == 3 + 4 + 1 + 2 + 1 and again.remapped == 3 + 4 + 1 + 2
    assert again.webhook_secrets == []
    mine = set(Memory.objects.filter(project=copy).values_list("id", flat=True))
    assert len(mine) == 3 and not mine & {m["id"] for m in before["memories"]}
    paris = Memory.objects.get(project=copy, text="I live in Paris")
    assert paris.replaced_by.project == copy and paris.replaced_by.text == "I like green tea"
    assert set(MemoryHistory.objects.filter(project=copy).values_list("memory", flat=True)) == mine
    assert Feedback.objects.get(project=copy).memory.text == "I like green tea"
    copied = snapshot(copy)
    assert [m["text"] for m in copied["memories"]] == [m["text"] for m in before["memories"]]
    assert len(copied["history"]) == 4 and len(copied["events"]) == 2


def test_without_embeddings_the_import_embeds_the_texts_again(world, alice):
    before, text = snapshot(world), export(world, include_embeddings=False)
    assert not any("embedding" in r for r in records(text))
    world.delete()

    result = project_import(lines=io.StringIO(text), organization=alice.organization.name)

    assert result.reembedded == 3
    after = snapshot(result.project)
    for old, new in zip(before["memories"], after["memories"], strict=True):
        assert np.allclose(old.pop("embedding"), new.pop("embedding"), atol=1e-5)
    assert after == before


def test_another_embedding_model_or_reembed_embeds_again(world):
    lines = records(export(world))
    memories = [line for line in lines if line.get("type") == "memory"]
    assert {line["embedding_model"] for line in memories} == {embeddings.current_model()}
    memories[0]["embedding_model"] = "openai:text-embedding-3-small"
    text = "".join(json.dumps(r) + "\n" for r in lines)

    assert project_import(lines=io.StringIO(text), into=world).reembedded == 1
    assert set(Memory.objects.filter(project=world).values_list("embedding_model", flat=True)) == {
        embeddings.current_model()
    }
    assert (
        project_import(lines=io.StringIO(export(world)), into=world, reembed=True).reembedded == 3
    )


def test_a_file_from_before_model_keys_is_read_by_its_header(world):
    lines = records(export(world))
    for line in lines:
        line.pop("embedding_model", None)
    text = "".join(json.dumps(r) + "\n" for r in lines)
    assert project_import(lines=io.StringIO(text), into=world).reembedded == 0  # same model

    lines[0]["engram_embedding_model"] = "text-embedding-3-small"  # an OpenAI model's name
    text = "".join(json.dumps(r) + "\n" for r in lines)
    assert project_import(lines=io.StringIO(text), into=world).reembedded == 3
    assert (
        project_import(lines=io.StringIO(export(world)), into=world, reembed=True).reembedded == 3
    )


def test_the_commands_write_only_data_to_stdout(world, alice, capsys, tmp_path, monkeypatch):
    call_command("export_project", world.public_id, "--output", "-")
    out, err = capsys.readouterr()
    lines = records(out)
    assert lines[0]["format"] == "engram-project" and len(lines) == 1 + 2 + 3 + 4 + 1 + 2 + 1
    assert "exported 2 entity, 3 memory, 4 history, 1 feedback, 2 event, 1 webhook" in err

    path = tmp_path / "p.jsonl"
    call_command("export_project", world.public_id, "--output", str(path), "--no-embeddings")
    assert capsys.readouterr().out == "" and len(path.read_text().splitlines()) == len(lines)

    monkeypatch.setattr(sys, "stdin", io.StringIO(out))
    call_command(
        "import_project", "-", "--org", alice.organization.public_id, "--project-name", "x"
    )
    out, err = capsys.readouterr()
    assert out == ""
    assert "new signing secret" in err and "imported 2 entity, 3 memory" in err
    assert Project.objects.filter(name="x").exists()

    with pytest.raises(CommandError, match="already has a project named 'x'"):
        call_command("import_project", str(path), "--project-name", "x")
    with pytest.raises(CommandError, match="No project"):
        call_command("import_project", str(path), "--into", "proj_nope")
    with pytest.raises(CommandError, match="No project"):
        call_command("export_project", "proj_nope")


def test_the_export_holds_no_key_digest_or_secret(world, alice):
    text = export(world)

    webhook = Webhook.objects.get(project=world)
    for secret in (alice.key, alice.api_key.digest, webhook.secret, alice.user.password):
        assert secret not in text
    keys = {k for r in records(text) for k in r} | set(records(text)[0]["project"])
    assert not keys & {"secret", "digest", "api_key", "members", "password", "api_keys"}
    actors = {r["actor"] for r in records(text) if r.get("type") == "history"}
    assert actors == {f"eg_{alice.api_key.prefix}".join(["key:", ""])}


def test_it_refuses_files_that_are_not_exports(alice):
    with pytest.raises(PortabilityError, match="Not an engram-project"):
        project_import(lines=io.StringIO('{"format": "x"}\n'), into=alice.project)
    bad = '{"format": "engram-project", "version": 1}\n{"type": "planet"}\n'
    with pytest.raises(PortabilityError, match="Unknown record type"):
        project_import(lines=io.StringIO(bad), into=alice.project)


@pytest.mark.django_db(transaction=True)
def test_the_export_command_reads_one_snapshot_outside_a_transaction(world, capsys):
    call_command("export_project", world.public_id)

    lines = records(capsys.readouterr().out)
    assert [r.get("type") for r in lines].count("memory") == 3


def test_the_import_skips_and_reports_memories_over_the_size_limit(
    world, alice, capsys, tmp_path, settings
):
    path = tmp_path / "p.jsonl"
    path.write_text(export(world))
    tea = Memory.objects.get(project=world, text="I like green tea")
    settings.MEMORY_TEXT_MAX_CHARS = len("I live in Paris")  # tea is one character over

    call_command("import_project", str(path), "--project-name", "limited")

    imported = Project.objects.get(name="limited")
    texts = set(Memory.objects.filter(project=imported).values_list("text", flat=True))
    assert texts == {"I live in Paris", "a run memory"}
    assert not MemoryHistory.objects.filter(project=imported, memory_id=tea.id).exists()
    err = capsys.readouterr().err
    assert (
        f"not imported, too large: memory {tea.id}: text: 16 characters, over the limit of 15 "
        "characters per memory." in err
    )
    assert "records skipped (1 too large)" in err
