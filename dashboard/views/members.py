"""Members screen: roles, removal, invitations (accepting one is accounts' page)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts import services
from accounts.models import MANAGER_ROLES, Role
from accounts.selectors import (
    invitation_get,
    invitations_pending,
    project_members,
)
from dashboard.decorators import project_view
from dashboard.forms import InvitationCreateForm, MemberRemoveForm, MemberRoleForm

logger = logging.getLogger(__name__)
MEMBERS = "dashboard/members.html"
CHANGED = "accounts:members-changed"


def _context(request, **extra) -> dict:
    members = list(project_members(project=request.project))
    owners = sum(member.role == Role.OWNER for member in members)
    for member in members:  # the controls this person may use on each row, and no others
        member.settable_roles = _allowed_roles(request, member, owners)
        member.removable = _allowed(request, member, owners, new_role=None)
    if "invite_form" in extra:
        _offer_allowed_roles(request, extra["invite_form"])
    return {
        "members": members,
        "invitations": invitations_pending(project=request.project),
        "can_manage": request.role in MANAGER_ROLES,
        **extra,
    }


def _allowed(request, member, owners: int, *, new_role: str | None) -> bool:
    refusal = services.member_change_refusal(
        actor_role=request.role,
        target_role=member.role,
        new_role=new_role,
        is_self=member.user_id == request.user.pk,
        other_owners=owners - (member.role == Role.OWNER),
    )
    return refusal is None


def _allowed_roles(request, member, owners: int) -> list[str]:
    """The roles to offer for `member`; none (a plain label) when their role cannot change."""
    roles = [role for role in Role.values if _allowed(request, member, owners, new_role=role)]
    return roles if member.role in roles else []


def _offer_allowed_roles(request, form: InvitationCreateForm) -> None:
    """Offer only the roles this person may give; the service still refuses the others."""
    form.fields["role"].widget.choices = [
        (value, label)
        for value, label in Role.choices
        if services.member_change_refusal(actor_role=request.role, new_role=value) is None
    ]


def _require_manager(request) -> None:
    """The interface's coarse gate (as the API's `write_roles`); the services hold the rules."""
    if request.role not in MANAGER_ROLES:
        raise PermissionDenied("Only owners and admins manage members.")


def _lists(request, *, errors: list[str], done: str):
    """After a change: htmx gets `#member-lists` (with any errors); a browser the page again."""
    if request.htmx:
        return render(request, f"{MEMBERS}#member-lists", _context(request, errors=errors))
    if errors:
        form = InvitationCreateForm()
        return render(request, MEMBERS, _context(request, errors=errors, invite_form=form))
    messages.success(request, done)
    return redirect(
        "dashboard:member-list", request.organization.public_id, request.project.public_id
    )


@vary_on_headers("HX-Request")
@project_view
@require_safe
def member_list(request, org_id: str, project_id: str):
    """Members and pending invitations; htmx gets `#member-lists` (reloaded after changes)."""
    if request.htmx:
        return render(request, f"{MEMBERS}#member-lists", _context(request))
    return render(request, MEMBERS, _context(request, invite_form=InvitationCreateForm()))


@project_view(write=True)
@require_POST
def member_role(request, org_id: str, project_id: str):
    _require_manager(request)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _lists(request, errors=_form_errors(form), done="")
    try:
        membership = services.member_set_role(
            actor=request.user, organization=request.organization, **form.cleaned_data
        )
    except services.AccountsError as error:
        return _lists(request, errors=[str(error)], done="")
    done = _("%(email)s is now %(role)s.") % {
        "email": membership.user.email,
        "role": membership.role,
    }
    return _lists(request, errors=[], done=done)


def _form_errors(form) -> list[str]:
    return [
        _("%(field)s: %(error)s") % {"field": form[name].label, "error": error}
        for name, errors in form.errors.items()
        for error in errors
    ]


@project_view(write=True)
@require_POST
def member_remove(request, org_id: str, project_id: str):
    _require_manager(request)
    form, errors = MemberRemoveForm(request.POST), []
    if not form.is_valid():
        return _lists(request, errors=_form_errors(form), done="")
    email = form.cleaned_data["email"]
    try:
        services.member_remove(actor=request.user, organization=request.organization, email=email)
    except services.AccountsError as error:
        errors.append(str(error))
    else:
        if email.lower() == request.user.email.lower():  # they left: nothing here is theirs now
            messages.success(
                request,
                _("You left %(organization)s.") % {"organization": request.organization.name},
            )
            url = reverse("dashboard")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _lists(request, errors=errors, done=_("%(email)s was removed.") % {"email": email})


@project_view(write=True)
@require_POST
def invitation_new(request, org_id: str, project_id: str):
    """Invite by email; the response shows the link once (for servers with no mail set up)."""
    _require_manager(request)
    form = InvitationCreateForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = services.invitation_create(
                organization=request.organization, invited_by=request.user, **form.cleaned_data
            )
        except services.AccountsError as error:
            form.add_error("email", str(error))
        else:
            return _invited(request, invitation, token)
    if request.htmx:
        _offer_allowed_roles(request, form)
        return render(request, f"{MEMBERS}#invite", {"invite_form": form})
    return render(request, MEMBERS, _context(request, invite_form=form))


def _invited(request, invitation, token: str):
    link = request.build_absolute_uri(reverse("invitation-accept", args=[token]))
    extra = {"invitation": invitation, "link": link, "sent": _send(request, invitation, link)}
    if request.htmx:
        response = render(request, f"{MEMBERS}#invitation-created", extra)
        trigger_client_event(response, CHANGED)
    else:
        response = render(request, MEMBERS, _context(request, **extra))
    patch_cache_control(response, no_store=True)  # the link is a credential
    return response


def _send(request, invitation, link: str) -> bool:
    organization = request.organization.name
    body = (
        f"{request.user.email} invited you to join {organization} on Engram as "
        f"{invitation.role}.\n\nAccept the invitation (the link works for 7 days, once):\n"
        f"{link}\n"
    )
    try:
        send_mail(f"Join {organization} on Engram", body, None, [invitation.email])
    except OSError:  # SMTP errors are OSErrors too; the link is on screen to share by hand
        logger.warning("could not send the invitation email to %s", invitation.email, exc_info=True)
        return False
    return True


@project_view(write=True)
@require_POST
def invitation_cancel(request, org_id: str, project_id: str, invitation_id: int):
    _require_manager(request)
    invitation = invitation_get(project=request.project, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    errors = []
    try:
        services.invitation_revoke(invitation=invitation)
    except services.AccountsError as error:
        errors.append(str(error))
    done = _("The invitation of %(email)s was revoked.") % {"email": invitation.email}
    return _lists(request, errors=errors, done=done)
