from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the request signals that run queued bookkeeping after each response.
        import config.after_response  # noqa: F401
