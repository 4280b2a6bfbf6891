from accounts.models import ApiKey, Membership


def members_url(tenant) -> str:
    return f"{tenant.project_url}members/"


def test_it_lists_the_members_with_their_roles(alice, bob):
    response = alice.client().get(members_url(alice))

    assert response.json() == {
        "members": [
            {"username": "alice", "email": "alice@example.com", "role": "OWNER"},
            {"username": "bob", "email": "bob@example.com", "role": "READER"},
        ]
    }


def test_it_adds_a_new_person_as_reader_by_default(alice):
    response = alice.client().post(members_url(alice), {"email": "Dana@Example.com"}, format="json")

    membership = Membership.objects.get(user__email="dana@example.com")
    assert response.json() == {"message": "User added to the project successfully."}
    assert (membership.organization, membership.role) == (alice.organization, "READER")
    assert not membership.user.has_usable_password()


def test_it_changes_a_role_given_in_any_case(alice, bob):
    body = {"email": "bob@example.com", "role": "admin"}

    response = alice.client().put(members_url(alice), body, format="json")

    assert response.json() == {"message": "User role updated successfully."}
    assert Membership.objects.get(user=bob.user).role == "ADMIN"


def test_it_answers_400_to_an_unknown_role(alice):
    body = {"email": "bob@example.com", "role": "GOD"}

    response = alice.client().post(members_url(alice), body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("role: ")


def test_it_answers_400_to_a_member_added_twice(alice, bob):
    response = alice.client().post(members_url(alice), {"email": "bob@example.com"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "bob@example.com is already a member."


def test_it_removes_a_member_and_revokes_their_keys(alice, bob):
    response = alice.client().delete(f"{members_url(alice)}?email=bob@example.com")

    assert response.json() == {"message": "Member removed from the project successfully."}
    assert not Membership.objects.filter(user=bob.user).exists()
    assert ApiKey.objects.get(pk=bob.api_key.pk).revoked_at is not None
    assert bob.client().get("/v1/ping/").status_code == 401


def test_the_last_owner_cannot_leave(alice):
    response = alice.client().delete(f"{members_url(alice)}?email=alice@example.com")

    assert response.status_code == 400
    assert "at least one OWNER" in response.json()["detail"]
    assert Membership.objects.get(user=alice.user).role == "OWNER"


def test_it_answers_400_when_removing_without_an_email(alice):
    response = alice.client().delete(members_url(alice))

    assert response.status_code == 400
    assert response.json()["detail"] == "email: This field is required."


def test_it_answers_400_when_removing_a_stranger(alice):
    response = alice.client().delete(f"{members_url(alice)}?email=nobody@example.com")

    assert response.status_code == 400
    assert "not a member" in response.json()["detail"]
