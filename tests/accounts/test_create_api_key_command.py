import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, Membership, Project
from accounts.selectors import api_key_get_by_plaintext


def create_key(capsys, **options) -> str:
    call_command(
        "create_api_key", email="ops@example.com", org="Acme", project="support-bot", **options
    )
    return capsys.readouterr().out


def test_it_prints_only_a_working_key(db, capsys):
    output = create_key(capsys, name="ci")

    key = output.strip()
    assert output == f"{key}\n"
    api_key = api_key_get_by_plaintext(plaintext=key)
    assert (api_key.name, api_key.scopes, api_key.project.name) == (
        "ci",
        ["read", "write"],
        "support-bot",
    )
    assert Membership.objects.get(user__email="ops@example.com").role == "OWNER"


def test_it_reuses_what_exists_on_a_second_run(db, capsys):
    first, second = create_key(capsys), create_key(capsys, scopes="read")

    assert first != second
    assert Project.objects.count() == 1
    assert sorted(ApiKey.objects.values_list("scopes", flat=True)) == [["read"], ["read", "write"]]


def test_it_refuses_unknown_scopes(db, capsys):
    with pytest.raises(CommandError, match="Scopes must be among read, write"):
        create_key(capsys, scopes="admin")
