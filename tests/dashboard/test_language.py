"""Which language a page is in: the browser's Accept-Language, the switcher on every page (a
cookie, and kept on the signed-in user's account), English by default; the API always answers
in English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from accounts.models import User

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def overview_url(tenant) -> str:
    return f"/dashboard/{tenant.organization.public_id}/{tenant.project.public_id}/"


def test_a_page_follows_the_browsers_language(db):
    english = Client().get("/login/").content.decode()
    chinese = Client().get("/login/", **ZH).content.decode()

    assert '<html lang="en">' in english and ">Log in<" in english
    assert '<html lang="zh-hans">' in chinese and ">登录<" in chinese


def test_every_page_offers_the_switcher_in_each_languages_own_name(alice_client, alice):
    html = alice_client.get(overview_url(alice)).content.decode()

    assert 'action="/language/"' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in html


def test_the_switcher_sets_the_language_for_an_anonymous_visitor(db):
    client = Client()
    response = client.post("/language/", {"language": "zh-hans", "next": "/login/"})

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert ">登录<" in client.get("/login/").content.decode()  # the cookie, over no header


def test_the_switcher_is_remembered_on_the_users_account(alice_client, alice):
    alice_client.post("/language/", {"language": "zh-hans", "next": overview_url(alice)})
    assert User.objects.get(pk=alice.user.pk).language == "zh-hans"

    elsewhere = Client()  # another browser: no cookie, and it asks for English
    elsewhere.force_login(alice.user)
    html = elsewhere.get(overview_url(alice), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">概览<" in html


def test_an_unknown_language_changes_nothing(alice_client, alice):
    alice_client.post("/language/", {"language": "klingon", "next": "/login/"})

    assert User.objects.get(pk=alice.user.pk).language == ""
    assert ">Overview<" in alice_client.get(overview_url(alice)).content.decode()


def test_the_api_answers_in_english_whatever_the_request_asks(alice):
    response = alice.client().post("/v3/memories/search/", {}, format="json", **ZH)

    assert response.status_code == 400
    assert "required" in str(response.json()).lower()  # DRF's own message, not translated
    assert "Content-Language" not in response


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "2026-12-08 14:05"), ("zh-hans", "2026年12月8日 14:05")]
)
def test_dates_are_written_the_languages_way(language, shown):
    moment = datetime(2026, 12, 8, 14, 5, tzinfo=UTC)
    with translation.override(language):
        rendered = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}').render(
            Context({"moment": moment})
        )
    assert rendered == shown


def test_every_reason_the_extractor_gives_has_a_translation():
    from dashboard.templatetags.skip_reasons import REASONS
    from memories.extraction import offline
    from memories.extraction.offline_table import table

    given = {offline.NOT_THE_USER, offline.NOT_A_STATEMENT, offline.FILTERED, offline.TOO_LONG}
    given |= {"nothing left once cleaned", "question", "too short to stand alone"}
    given |= {reason for reason, _ in offline._CHATTER}
    given |= {reason for reason, _ in table("zh").not_statements}
    assert given - set(REASONS) == set()
    with translation.override("zh-hans"):
        assert all(str(REASONS[reason]) != reason for reason in given)


def test_the_event_page_gives_the_reasons_in_the_pages_language(alice_client, alice, settings):
    settings.LLM_MODEL = ""  # the offline extractor
    said = [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好"}]
    body = {"messages": said, "user_id": "alice", "async_mode": False}
    event_id = alice.client().post("/v3/memories/add/", body, format="json").json()["event_id"]
    url = f"{overview_url(alice)}events/{event_id}/"

    assert "问候" in alice_client.get(url, **ZH).content.decode()
    assert "greeting" in alice_client.get(url).content.decode()
