PING = "/v1/ping/"


def test_it_identifies_the_key_s_project_with_string_ids(alice):
    response = alice.client().get(PING)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "org_id": alice.organization.public_id,
        "project_id": alice.project.public_id,
        "org_name": alice.organization.name,
        "project_name": alice.project.name,
        "user_email": "alice@example.com",
    }


def test_it_accepts_the_org_and_project_that_old_sdks_append(alice):
    query = {"org_id": alice.organization.public_id, "project_id": alice.project.public_id}

    assert alice.client().get(PING, query).status_code == 200


def test_it_refuses_another_project_s_ids_in_the_query(alice, charlie):
    response = alice.client().get(PING, {"project_id": charlie.project.public_id})

    assert response.status_code == 403
    assert "does not match" in response.json()["detail"]


def test_it_refuses_another_org_s_id_in_a_body(alice, charlie):
    url = f"{alice.project_url}members/"
    body = {"email": "x@example.com", "org_id": charlie.organization.public_id}

    response = alice.client().post(url, body, format="json")

    assert response.status_code == 403


def test_it_ignores_empty_ids_and_unknown_fields(alice):
    response = alice.client().get(PING, {"org_id": "None", "project_id": "", "version": "v2"})

    assert response.status_code == 200
