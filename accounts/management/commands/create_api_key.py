from django.core.management.base import BaseCommand, CommandError

from accounts.services import AccountsError, api_key_bootstrap


class Command(BaseCommand):
    help = (
        "Create an API key, and the user, organization and project it needs if they are "
        "missing. Prints only the plaintext key, which is shown this once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="the key's owner (created if new)")
        parser.add_argument("--org", required=True, help="organization name (created if new)")
        parser.add_argument("--project", required=True, help="project name (created if new)")
        parser.add_argument("--scopes", default="read,write", help="read, write or read,write")
        parser.add_argument("--name", default="", help="a label for the key")

    def handle(self, *args, email, org, project, scopes, name, **options):
        try:
            _, plaintext = api_key_bootstrap(
                email=email,
                organization_name=org,
                project_name=project,
                scopes=[scope.strip() for scope in scopes.split(",") if scope.strip()],
                name=name,
            )
        except AccountsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(plaintext)
