"""Forms of getting in: sign-up, and the first project of someone who has none."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User, email_normalize


class SignupForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        labels = {"email": _("Email")}

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class ProjectCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, initial="default")
