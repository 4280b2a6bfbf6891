from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Project


def settings_url(tenant) -> str:
    return reverse(
        "dashboard:project-settings", args=[tenant.organization.public_id, tenant.project.public_id]
    )


def form_data(**changes) -> dict:
    data = {
        "name": "assistant",
        "description": "Support bot",
        "custom_instructions": "Keep food preferences.",
        "agent_custom_instructions": "",
        "custom_categories": "food: what they eat\n\nsports\n",
        "decay": "on",
        "rate_limit_per_minute": "60",
    }
    return {**data, **changes}


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    response = alice_client.get(settings_url(alice))
    html = response.content.decode()
    assert response.status_code == 200 and '<header class="topbar">' in html
    assert f'action="{settings_url(alice)}" method="post"' in html and "Save settings" in html
    assert f'value="{alice.project.name}"' in html
    assert "HX-Request" in response["Vary"]


def test_its_labels_end_without_a_colon(alice_client, alice):
    form = alice_client.get(settings_url(alice)).content.decode().split('id="settings-form"')[1]
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", form.split("</form>")[0])
    assert "Name" in labels and "Decay" in labels and len(labels) == 7
    assert not [label for label in labels if label.rstrip().endswith(":")]


def test_it_gives_htmx_only_the_form(alice_client, alice, htmx):
    response = alice_client.get(settings_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="settings-form"')
    assert "<html" not in html and "topbar" not in html and "Server status" not in html
    assert "HX-Request" in response["Vary"]


def test_it_shows_the_reader_a_read_only_form(bob_client, bob):
    html = bob_client.get(settings_url(bob)).content.decode()
    assert "Your role is read-only" in html and "Save settings" not in html
    assert html.count(" disabled") == 7
    assert bob_client.post(settings_url(bob), form_data()).status_code == 403
    bob.project.refresh_from_db()
    assert bob.project.name != "assistant"


def test_it_hides_the_project_from_outsiders(charlie_client, alice):
    assert charlie_client.get(settings_url(alice)).status_code == 404
    assert charlie_client.post(settings_url(alice), form_data()).status_code == 404
    alice.project.refresh_from_db()
    assert alice.project.name != "assistant"


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(settings_url(alice))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_it_costs_a_fixed_number_of_queries(alice_client, alice, django_assert_num_queries):
    # session + user, membership + project, the switcher's projects; the panel reads no table
    with django_assert_num_queries(4):
        alice_client.get(settings_url(alice))


# --- editing --------------------------------------------------------------------------------


def test_it_saves_the_settings(alice_client, alice, htmx):
    response = alice_client.post(settings_url(alice), form_data(), **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and "Settings saved." in html
    project = Project.objects.get(pk=alice.project.pk)
    assert (project.name, project.description) == ("assistant", "Support bot")
    assert project.custom_instructions == "Keep food preferences."
    assert project.custom_categories == [{"food": "what they eat"}, {"sports": ""}]
    assert project.decay is True and project.rate_limit_per_minute == 60
    assert "food: what they eat\nsports</textarea>" in html


def test_it_redirects_after_saving_without_htmx(alice_client, alice):
    response = alice_client.post(settings_url(alice), form_data())
    assert response.status_code == 302 and response["Location"] == settings_url(alice)
    assert "Settings saved." in alice_client.get(settings_url(alice)).content.decode()


def test_blank_fields_restore_the_defaults(alice_client, alice, htmx):
    alice_client.post(settings_url(alice), form_data(), **htmx)
    blank = form_data(custom_categories="  \n", rate_limit_per_minute="", decay="")
    del blank["decay"]
    alice_client.post(settings_url(alice), blank, **htmx)
    project = Project.objects.get(pk=alice.project.pk)
    assert project.custom_categories is None and project.rate_limit_per_minute is None
    assert project.decay is False


def test_the_member_role_may_edit(client, alice, htmx):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email="mia@example.com")
    MembershipFactory(organization=alice.organization, user=user, role="MEMBER")
    client.force_login(user)
    client.post(settings_url(alice), form_data(name="renamed"), **htmx)
    assert Project.objects.get(pk=alice.project.pk).name == "renamed"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": ""}, "This field is required."),
        ({"custom_categories": ": no name"}, "Line 1 has a description but no name."),
        ({"custom_categories": "food\nfood: again"}, "“food” is listed twice."),
        ({"rate_limit_per_minute": "0"}, "greater than or equal to 1"),
    ],
)
def test_form_errors_rerender_the_form_with_200(alice_client, alice, htmx, changes, error):
    response = alice_client.post(settings_url(alice), form_data(**changes), **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<form id="settings-form"')
    assert error in html and "Settings saved." not in html
    assert Project.objects.get(pk=alice.project.pk).name == alice.project.name


def test_it_shows_categories_stored_by_the_api_as_lines(alice_client, alice):
    alice.project.custom_categories = [{"travel": "trips"}, {"pets": ""}]
    alice.project.save()
    html = alice_client.get(settings_url(alice)).content.decode()
    assert "travel: trips\npets</textarea>" in html


# --- status panel ---------------------------------------------------------------------------


def test_it_shows_the_offline_extractor_and_local_embedder(alice_client, alice, settings):
    settings.LLM_MODEL, settings.EMBEDDER = "", "local"
    settings.API_RATE_LIMIT_PER_MINUTE = 1200
    alice.project.llm_prompt_tokens, alice.project.llm_completion_tokens = 1234, 56
    alice.project.save()
    html = alice_client.get(settings_url(alice)).content.decode()
    assert "Offline: the built-in rule-based extractor" in html
    assert "Local ONNX: multilingual-e5-small (384 dimensions)" in html
    assert "<dd>1234</dd>" in html and "<dd>56</dd>" in html
    assert "1200 a minute (server default)" in html and "Blank: the server default, 1200" in html


def test_it_shows_the_llm_and_openai_embedder_without_secrets(alice_client, alice, settings):
    settings.LLM_MODEL, settings.LLM_BASE_URL = "gpt-4o-mini", "https://llm.internal/v1"
    settings.LLM_API_KEY = "sk-secret"
    settings.EMBEDDER, settings.EMBEDDING_MODEL = "openai", "text-embedding-3-small"
    settings.EMBEDDING_BASE_URL, settings.EMBEDDING_API_KEY = "", "sk-other"
    html = alice_client.get(settings_url(alice)).content.decode()
    assert "LLM: gpt-4o-mini at llm.internal" in html
    assert "OpenAI-compatible: text-embedding-3-small at api.openai.com" in html
    assert "sk-secret" not in html and "sk-other" not in html
