"""Forms of the project screens: API keys, members and invitations, project settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Scope

# Choices as the screens name them; the models' labels are English only.
SCOPES = [(Scope.READ.value, gettext_lazy("Read")), (Scope.WRITE.value, gettext_lazy("Write"))]
ROLES = [
    (Role.OWNER.value, gettext_lazy("Owner")),
    (Role.ADMIN.value, gettext_lazy("Admin")),
    (Role.MEMBER.value, gettext_lazy("Member")),
    (Role.READER.value, gettext_lazy("Reader")),
]

# --- API keys ---------------------------------------------------------------------------------


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("What uses this key, e.g. “support bot”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=SCOPES,
        initial=[Scope.READ, Scope.WRITE],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Read: list and search memories. Write: add, change and delete them."
        ),
    )
    expires_on = forms.DateField(
        required=False,
        label=gettext_lazy("Valid until (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The key stops working at the end of this day. Blank: it never expires."
        ),
    )

    def clean_expires_on(self) -> date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def expires_at(self) -> datetime | None:
        """The first instant after the chosen day, in the server's time zone."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# --- members and invitations ------------------------------------------------------------------


class MemberRoleForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLES)


class MemberRemoveForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)


class InvitationCreateForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLES, initial=Role.MEMBER)


# --- project settings -------------------------------------------------------------------------


def categories_as_lines(categories: list[dict[str, str]] | None) -> str:
    """The stored `[{name: description}]` as "name: description" lines (name alone if bare)."""
    return "\n".join(
        f"{name}: {description}" if description else name
        for item in categories or []
        for name, description in item.items()
    )


class ProjectSettingsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    custom_instructions = forms.CharField(
        label=gettext_lazy("Custom instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What extraction should keep or ignore, for memories of users."),
    )
    agent_custom_instructions = forms.CharField(
        label=gettext_lazy("Agent custom instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The same for memories of agents; blank: the instructions above."),
    )
    custom_categories = forms.CharField(
        label=gettext_lazy("Custom categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "One per line, “name: description”. Blank: the built-in categories."
        ),
    )
    decay = forms.BooleanField(
        required=False,
        label=gettext_lazy("Decay"),
        help_text=gettext_lazy("Rank memories that are not used lower over time."),
    )
    rate_limit_per_minute = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        label=gettext_lazy("Rate limit (requests per minute per key)"),
    )

    def __init__(self, *args, default_rate_limit: int, **kwargs) -> None:
        # No colon after labels, as on every other screen. A class attribute would not do:
        # BaseForm.__init__ sets label_suffix (to ":" unless passed).
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["rate_limit_per_minute"].help_text = _(
            "Blank: the server default, %(limit)s a minute."
        ) % {"limit": default_rate_limit}

    def clean_custom_categories(self) -> list[dict[str, str]] | None:
        categories: list[dict[str, str]] = []
        seen: set[str] = set()
        for number, line in enumerate(self.cleaned_data["custom_categories"].splitlines(), 1):
            name, _colon, description = line.partition(":")
            name, description = name.strip(), description.strip()
            if not line.strip():
                continue
            if not name:
                raise forms.ValidationError(
                    _("Line %(number)s has a description but no name.") % {"number": number}
                )
            if name in seen:
                raise forms.ValidationError(_("“%(name)s” is listed twice.") % {"name": name})
            seen.add(name)
            categories.append({name: description})
        return categories or None
