"""Lower-case every user's email, now that logins and lookups ignore case.

Two accounts whose emails differ only by case cannot both become lower-case (the column is
unique). Both are left as they are, and reported, for an operator to merge or rename: guessing
which one is the person's would hand one account's data to the other. Both still log in, each
with its exact spelling (UserManager.get_by_natural_key prefers the exact match).
"""

from __future__ import annotations

import sys
from collections import defaultdict

from django.db import migrations


def lowercase_emails(apps, schema_editor) -> list[list[str]]:
    """Returns the groups left alone because their emails collide once lower-cased."""
    User = apps.get_model("accounts", "User")
    by_lower = defaultdict(list)
    for pk, email in User.objects.values_list("pk", "email"):
        by_lower[email.lower()].append((pk, email))
    collisions = []
    for lower, users in by_lower.items():
        if len(users) > 1:
            collisions.append(sorted(email for _, email in users))
        elif users[0][1] != lower:
            User.objects.filter(pk=users[0][0]).update(email=lower)
    for emails in collisions:
        sys.stderr.write(
            f"accounts.0004: left {', '.join(emails)} as they are: they differ only by case; "
            "merge or rename these accounts.\n"
        )
    return collisions


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_invitations_key_suspension")]

    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop)]
