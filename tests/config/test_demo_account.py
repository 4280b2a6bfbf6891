from accounts.models import User
from accounts.selectors import api_key_get_by_plaintext
from config.up import DEMO_EMAIL, create_demo_account_on_first_run


def test_it_creates_a_demo_login_and_key_once(db, capsys):
    create_demo_account_on_first_run()
    first = capsys.readouterr().out
    create_demo_account_on_first_run()
    second = capsys.readouterr().out

    key = first.split("API key:")[1].split()[0]
    password = first.split(f"{DEMO_EMAIL} / ")[1].split()[0]
    assert api_key_get_by_plaintext(plaintext=key).project.name == "default"
    assert User.objects.get(email=DEMO_EMAIL).check_password(password)
    assert second == ""
