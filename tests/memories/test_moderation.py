"""Moderation services: write-time rules, feedback flags, staff actions, suspensions."""

from __future__ import annotations

import pytest

from accounts.models import ApiKey
from memories.models import Memory, MemoryHistory, MemoryState
from memories.models_moderation import (
    AuditLog,
    Flag,
    FlagSource,
    FlagStatus,
    ModerationRule,
    Resolution,
    RuleKind,
)
from memories.models_webhooks import WebhookDelivery
from memories.services import moderation
from memories.services.moderation_checks import (
    iban_valid,
    luhn_valid,
    rules_cache_clear,
    text_rule_matches,
)
from memories.webhooks.services import webhook_create

VISA = "4111 1111 1111 1111"  # a well-known test number: passes Luhn
NOT_LUHN = "4111 1111 1111 1112"


@pytest.fixture
def blocked(db):
    ModerationRule.objects.filter(name="Blocked words").update(pattern="frobnicate, zorg")
    rules_cache_clear()


def open_flags(memory_id, source=None):
    flags = Flag.objects.filter(memory_id=memory_id, status=FlagStatus.OPEN)
    return flags.filter(source=source) if source else flags


# --- matching ---------------------------------------------------------------------------------


def test_it_validates_card_numbers_with_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("5500005555555559")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("0000000000000000")  # passes the checksum, is no card
    assert not luhn_valid("411111111111")  # too short


def test_it_validates_ibans_with_mod_97():
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST12345698765431")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"my card is {VISA}, expires 12/29", "Credit card number"),
        ("card 4111-1111-1111-1111", "Credit card number"),
        ("ssn 123-45-6789 on file", "US Social Security number"),
        ("pay to GB82 WEST 1234 5698 7654 32 please", "IBAN"),
    ],
)
def test_it_matches_the_built_in_rules(text, rule):
    assert text_rule_matches(text) == [rule]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        f"order {NOT_LUHN} shipped",
        "call me at 555-123-4567",
        "ssn 000-12-3456 is not valid",
        "Alice likes green tea",
        "the year 2024 and 1999",
    ],
)
def test_it_does_not_match_clean_text(text):
    assert text_rule_matches(text) == []


def test_it_matches_blocked_words_as_whole_words_ignoring_case(blocked):
    assert text_rule_matches("Please FROBNICATE the thing") == ["Blocked words"]
    assert text_rule_matches("zorgs and frobnicated things") == []


# --- write-time flags through the real API -------------------------------------------------------


def test_it_flags_a_card_number_added_verbatim(alice, add):
    flagged, clean = add(f"my card is {VISA}", "Alice likes tea")
    flag = open_flags(flagged).get()
    assert flag.source == FlagSource.RULE and flag.reason == "Matched rule: Credit card number"
    assert flag.memory_text == f"my card is {VISA}" and flag.project == alice.project
    assert not open_flags(clean).exists()


def test_it_does_not_flag_a_number_failing_luhn(alice, add):
    [memory_id] = add(f"tracking number {NOT_LUHN}")
    assert not Flag.objects.filter(memory_id=memory_id).exists()


def test_it_flags_an_ssn_and_a_blocked_word(alice, add, blocked):
    ssn, word = add("my ssn is 123-45-6789", "we should frobnicate")
    assert open_flags(ssn).get().reason == "Matched rule: US Social Security number"
    assert open_flags(word).get().reason == "Matched rule: Blocked words"


def test_it_ignores_inactive_rules(alice, add):
    ModerationRule.objects.update(active=False)
    rules_cache_clear()
    [memory_id] = add(f"my card is {VISA}")
    assert not Flag.objects.filter(memory_id=memory_id).exists()


def test_it_flags_an_update_that_introduces_a_match_once(alice, add):
    [memory_id] = add("no secrets here")
    for text in ("ssn 123-45-6789", "ssn 123-45-6780"):
        response = alice.client().put(f"/v1/memories/{memory_id}/", {"text": text}, format="json")
        assert response.status_code == 200, response.content
    assert open_flags(memory_id, FlagSource.RULE).count() == 1


def test_it_flags_what_the_extraction_adds_and_updates(alice, settings):
    from memories.services.extraction import extraction_run

    settings.LLM_MODEL = ""  # the offline extractor
    ModerationRule.objects.filter(name="Blocked words").update(pattern="jazz\nparis")

    def extract(text: str):
        body = {"messages": text, "user_id": "alice"}
        event_id = alice.client().post("/v3/memories/add/", body, format="json").json()["event_id"]
        return extraction_run(event_id=event_id)

    extract("I love jazz. I live in Berlin.")
    berlin = Memory.objects.get(text="Lives in Berlin")
    assert list(Flag.objects.values_list("memory__text", flat=True)) == ["Loves jazz"]
    [update] = extract("I moved to Paris.").results
    assert (update["event"], update["id"]) == ("UPDATE", str(berlin.pk))
    assert open_flags(berlin.pk).get().memory_text == "Lives in Paris"


# --- feedback and reports ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NEGATIVE", "VERY_NEGATIVE"])
def test_it_opens_a_flag_on_negative_feedback(alice, add, value):
    [memory_id] = add("Alice likes tea")
    body = {"memory_id": memory_id, "feedback": value, "feedback_reason": "wrong person"}
    assert alice.client().post("/v1/feedback/", body, format="json").status_code == 200
    flag = open_flags(memory_id, FlagSource.FEEDBACK).get()
    assert flag.reason == f"{value}: wrong person"


def test_it_opens_one_flag_for_repeated_negative_feedback_and_none_for_positive(alice, add):
    [bad, good] = add("Alice likes tea", "Alice likes coffee")
    client = alice.client()
    for _ in range(2):
        client.post("/v1/feedback/", {"memory_id": bad, "feedback": "NEGATIVE"}, format="json")
    client.post("/v1/feedback/", {"memory_id": good, "feedback": "POSITIVE"}, format="json")
    assert open_flags(bad).count() == 1
    assert not Flag.objects.filter(memory_id=good).exists()


def test_it_records_one_open_report_per_member(alice, add):
    memory = Memory.objects.get(pk=add("Alice likes tea")[0])
    moderation.memory_report(memory=memory, user=alice.user, reason="offensive")
    moderation.memory_report(memory=memory, user=alice.user, reason="really offensive")
    flag = open_flags(memory.pk, FlagSource.REPORT).get()
    assert flag.reason == "really offensive" and flag.reported_by == alice.user


# --- staff actions -------------------------------------------------------------------------------


@pytest.fixture
def flagged(alice, add):
    """A memory with two open flags (a rule match and a report)."""
    memory = Memory.objects.get(pk=add(f"card {VISA}")[0])
    moderation.memory_report(memory=memory, user=alice.user, reason="card number")
    assert open_flags(memory.pk).count() == 2
    return memory


def audit_of(action):
    return AuditLog.objects.get(action=action)


def test_approving_resolves_all_flags_and_audits(flagged, staff):
    flag = open_flags(flagged.pk).first()
    assert moderation.flag_approve(flag=flag, actor=staff, reason="test number") == 2
    assert not open_flags(flagged.pk).exists()
    resolved = Flag.objects.filter(memory=flagged)
    assert {(f.resolution, f.resolved_by_id) for f in resolved} == {("approved", staff.pk)}
    row = audit_of("flag_approve")
    assert (row.reason, row.actor, row.target_id) == ("test number", staff, str(flagged.pk))
    assert VISA not in row.target_repr and row.details["resolved_flags"] == 2
    assert AuditLog.objects.count() == 1


def test_editing_rewrites_the_memory_with_history(flagged, staff):
    flag = open_flags(flagged.pk).first()
    moderation.flag_edit(flag=flag, actor=staff, reason="redacted", text="card on file")
    flagged.refresh_from_db()
    assert flagged.text == "card on file" and not open_flags(flagged.pk).exists()
    assert MemoryHistory.objects.filter(memory=flagged, actor_user=staff).exists()
    assert audit_of("flag_edit").reason == "redacted" and AuditLog.objects.count() == 1


def test_editing_refuses_text_that_still_matches_a_rule(flagged, staff):
    flag = open_flags(flagged.pk).first()
    with pytest.raises(moderation.ModerationError, match="Credit card number"):
        moderation.flag_edit(flag=flag, actor=staff, reason="x", text=f"card {VISA} again")
    assert open_flags(flagged.pk).count() == 2 and not AuditLog.objects.exists()


def test_archiving_hides_the_memory(flagged, staff, alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    webhook_create(
        project=alice.project, name="log", url="http://127.0.0.1:9/", event_types=["memory_delete"]
    )
    flag = open_flags(flagged.pk).first()

    moderation.flag_archive(flag=flag, actor=staff, reason="sensitive")

    flagged.refresh_from_db()
    assert flagged.state == MemoryState.ARCHIVED
    assert alice.client().get(f"/v1/memories/{flagged.pk}/").status_code == 404
    assert Flag.objects.get(pk=flag.pk).resolution == Resolution.ARCHIVED
    assert audit_of("flag_archive").reason == "sensitive" and AuditLog.objects.count() == 1
    # To the API the memory is gone: its history and the project's webhooks say so.
    history = MemoryHistory.objects.filter(memory=flagged).latest("created_at")
    assert (history.event, history.actor_user) == ("DELETE", staff)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event_type == "memory_delete"
    assert delivery.payload["event_details"]["id"] == str(flagged.pk)


def test_deleting_erases_the_memory_and_its_flags_but_keeps_the_audit(flagged, staff):
    flag = open_flags(flagged.pk).first()
    moderation.flag_delete(flag=flag, actor=staff, reason="card data")
    assert not Memory.objects.filter(pk=flagged.pk).exists()
    assert not Flag.objects.filter(memory_id=flagged.pk).exists()
    row = audit_of("flag_delete")
    assert row.reason == "card data" and row.project == flagged.project
    assert VISA not in str(row.details) + row.target_repr and AuditLog.objects.count() == 1


@pytest.mark.parametrize("action", ["flag_approve", "flag_archive", "flag_delete"])
def test_every_action_requires_a_reason(flagged, staff, action):
    flag = open_flags(flagged.pk).first()
    with pytest.raises(moderation.ModerationError, match="reason"):
        getattr(moderation, action)(flag=flag, actor=staff, reason="  ")
    assert open_flags(flagged.pk).count() == 2 and not AuditLog.objects.exists()


def test_a_resolved_flag_cannot_be_resolved_again(flagged, staff):
    flag = open_flags(flagged.pk).first()
    moderation.flag_approve(flag=flag, actor=staff, reason="fine")
    with pytest.raises(moderation.ModerationError, match="already resolved"):
        moderation.flag_archive(flag=flag, actor=staff, reason="changed my mind")


# --- rules --------------------------------------------------------------------------------------


def test_it_creates_a_rule_that_applies_at_once_and_audits(staff, alice, add):
    moderation.moderation_rule_create(
        actor=staff, name="Passwords", kind=RuleKind.REGEX, pattern=r"(?i)password\s*[:=]"
    )
    [memory_id] = add("wifi password: hunter2")
    assert open_flags(memory_id).get().reason == "Matched rule: Passwords"
    assert audit_of("rule_create").details["pattern"] == r"(?i)password\s*[:=]"


def test_it_refuses_an_invalid_regex_and_a_duplicate_name(staff):
    with pytest.raises(moderation.ModerationError, match="Invalid regular expression"):
        moderation.moderation_rule_create(actor=staff, name="Bad", kind="regex", pattern="([")
    with pytest.raises(moderation.ModerationError, match="exists already"):
        moderation.moderation_rule_create(actor=staff, name="iban", kind="regex", pattern="x")
    assert not AuditLog.objects.exists()


def test_disabling_and_deleting_rules_are_audited(staff, alice, add):
    rule = ModerationRule.objects.get(name="US Social Security number")
    moderation.moderation_rule_set_active(actor=staff, rule=rule, active=False)
    assert not Flag.objects.filter(memory_id=add("ssn 123-45-6789")[0]).exists()
    moderation.moderation_rule_delete(actor=staff, rule=rule)
    assert not ModerationRule.objects.filter(pk=rule.pk).exists()
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["rule_disable", "rule_delete"]


# --- suspensions --------------------------------------------------------------------------------


def test_a_suspended_key_gets_401_until_restored(alice, staff):
    moderation.api_key_suspend(actor=staff, api_key=alice.api_key, reason="abuse")
    response = alice.client().get("/v1/ping/")
    assert response.status_code == 401 and "suspended" in response.json()["detail"]
    assert alice.client().get("/v1/memories/", {"user_id": "a"}).status_code == 401
    moderation.api_key_restore(actor=staff, api_key=alice.api_key, reason="appeal granted")
    assert alice.client().get("/v1/ping/").status_code == 200
    actions = list(AuditLog.objects.order_by("id").values_list("action", "reason"))
    assert actions == [("api_key_suspend", "abuse"), ("api_key_restore", "appeal granted")]


def test_a_suspended_project_gets_403_until_restored(alice, staff, add):
    moderation.project_suspend(actor=staff, project=alice.project, reason="spam")
    response = alice.client().get("/v1/memories/", {"user_id": "alice"})
    assert response.status_code == 403 and "suspended" in response.json()["detail"]
    moderation.project_restore(actor=staff, project=alice.project, reason="cleaned up")
    assert alice.client().get("/v1/memories/", {"user_id": "alice"}).status_code == 200
    row = AuditLog.objects.get(action="project_suspend")
    assert row.project == alice.project and row.target_id == alice.project.public_id


def test_suspending_requires_a_reason(alice, staff):
    with pytest.raises(moderation.ModerationError):
        moderation.api_key_suspend(actor=staff, api_key=alice.api_key, reason="")
    assert ApiKey.objects.get(pk=alice.api_key.pk).suspended_at is None
