"""Forms of getting in: sign-up, and the first project of someone who has none."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User, email_normalize


class SignupForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class ProjectCreateForm(forms.Form):
    name = forms.CharField(max_length=200, initial="default")
