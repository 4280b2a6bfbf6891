from __future__ import annotations

import secrets
import string

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

_PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits


def public_id(prefix: str, length: int = 16) -> str:
    return prefix + "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(length))


def new_org_id() -> str:
    return public_id("org_")


def new_project_id() -> str:
    return public_id("proj_")


def email_normalize(email: str) -> str:
    """Emails are compared and stored lower-cased: `Bob@X.com` and `bob@x.com` are one person."""
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        """The login lookup, in any case. An exact match comes first: two accounts that differed
        only by case before emails were lower-cased keep their spellings (migration 0004)."""
        users = self.filter(email__in={username, email_normalize(username)})
        for user in users:
            if user.email == username:
                return user
        return users.get()

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=email_normalize(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the dashboard; identified by email."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The dashboard's language, as chosen from its switcher; "" follows the browser.
    language = models.CharField(max_length=10, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    @classmethod
    def normalize_username(cls, username: str) -> str:
        """What forms (the admin's too) store: lower-cased, like the manager."""
        return email_normalize(super().normalize_username(username))

    @property
    def username(self) -> str:
        """The SDKs show a `username`; ours is the part of the email before the @."""
        return self.email.split("@", 1)[0]


class Organization(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_org_id, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "OWNER", gettext_lazy("Owner")
    ADMIN = "ADMIN", gettext_lazy("Admin")
    MEMBER = "MEMBER", gettext_lazy("Member")
    READER = "READER", gettext_lazy("Reader")


# Roles that may change a project's settings, data and keys; READER only reads.
WRITER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})
# Roles that may manage projects and members.
MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Membership(models.Model):
    """A user's role in an organization; it applies to all the organization's projects."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"


class Project(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="projects"
    )
    public_id = models.CharField(max_length=40, unique=True, default=new_project_id, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Extraction settings (API-CONTRACT §5.16).
    custom_instructions = models.TextField(blank=True, default="")
    agent_custom_instructions = models.TextField(blank=True, default="")
    custom_categories = models.JSONField(blank=True, null=True)
    multilingual = models.BooleanField(default=False)
    decay = models.BooleanField(default=False)
    memory_depth = models.CharField(max_length=50, blank=True, default="")
    usecase_setting = models.CharField(max_length=200, blank=True, default="")
    inclusion_prompt = models.TextField(blank=True, default="")
    exclusion_prompt = models.TextField(blank=True, default="")
    retrieval_criteria = models.JSONField(blank=True, null=True)
    # Requests per minute per API key; null means settings.API_RATE_LIMIT_PER_MINUTE.
    rate_limit_per_minute = models.PositiveIntegerField(blank=True, null=True)
    suspended_at = models.DateTimeField(blank=True, null=True)
    # LLM tokens spent by this project's extractions (per-tenant cost accounting).
    llm_prompt_tokens = models.BigIntegerField(default=0)
    llm_completion_tokens = models.BigIntegerField(default=0)
    # Every embedding model this project's memories may have vectors of (the configured one is
    # searched too): search embeds a query once per model, so a change of model never hides a
    # memory; manage.py reembed narrows it back to one (memories/services/reembed.py).
    embedding_models = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self) -> str:
        return f"{self.organization} / {self.name}"


class Scope(models.TextChoices):
    READ = "read", gettext_lazy("Read")
    WRITE = "write", gettext_lazy("Write")


class ApiKey(models.Model):
    """`eg_<prefix>_<secret>`; only the prefix (for lookup) and a SHA-256 digest are stored."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(blank=True, null=True)
    expires_at = models.DateTimeField(blank=True, null=True)
    revoked_at = models.DateTimeField(blank=True, null=True)
    # Set by staff moderation; unlike revocation it can be lifted.
    suspended_at = models.DateTimeField(blank=True, null=True)

    def __str__(self) -> str:
        return f"eg_{self.prefix}_… ({self.name or 'unnamed'})"

    @property
    def display(self) -> str:
        return f"eg_{self.prefix}_…"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class Invitation(models.Model):
    """An email invited into an organization with a role; accepted through a one-time link.

    Only a SHA-256 digest of the link's token is stored, like API keys.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(blank=True, null=True)
    revoked_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "email"])]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.organization} as {self.role}"


class RequestLog(models.Model):
    """One row per API call, written in batches from a Redis buffer (see services.request_log)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    latency_ms = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
