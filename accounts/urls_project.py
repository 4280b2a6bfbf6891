"""Dashboard routes (see the views they import)."""

from django.urls import path

from accounts import views_keys, views_members, views_settings

PROJECT = "dashboard/<str:org_id>/<str:project_id>/"

urlpatterns = [
    path(PROJECT + "keys/", views_keys.key_list, name="dashboard-keys"),
    path(PROJECT + "keys/<str:prefix>/revoke/", views_keys.key_revoke, name="dashboard-key-revoke"),
    path(PROJECT + "members/", views_members.member_list, name="dashboard-members"),
    path(PROJECT + "members/role/", views_members.member_role, name="dashboard-member-role"),
    path(PROJECT + "members/remove/", views_members.member_remove, name="dashboard-member-remove"),
    path(
        PROJECT + "members/invitations/",
        views_members.invitation_new,
        name="dashboard-invitation-create",
    ),
    path(
        PROJECT + "members/invitations/<int:invitation_id>/revoke/",
        views_members.invitation_cancel,
        name="dashboard-invitation-revoke",
    ),
    path(PROJECT + "settings/", views_settings.project_settings, name="dashboard-settings"),
    path("invite/<str:token>/", views_members.invitation_accept, name="invitation-accept"),
]
