from __future__ import annotations

from django.urls import path

from kujdes.network.reflection import views

M = "network/meetings/<uuid:public_id>/"
G = "network/working-groups/<uuid:public_id>/"
D = "network/decisions/<uuid:public_id>/"
X = "network/methods/<uuid:public_id>/"

urlpatterns = [
    path("network/meetings/", views.meeting_list, name="network_meeting_list"),
    path("network/meetings/new", views.meeting_create, name="network_meeting_create"),
    path(M, views.meeting_detail, name="network_meeting_detail"),
    path(M + "edit", views.meeting_edit, name="network_meeting_edit"),
    path(M + "minutes", views.meeting_minutes, name="network_meeting_minutes"),
    path(M + "minutes/approve", views.meeting_minutes_approve, name="network_meeting_minutes_approve"),
    path(M + "agenda/add", views.meeting_agenda_add, name="network_meeting_agenda_add"),
    path(
        M + "agenda/<uuid:item_id>/remove", views.meeting_agenda_remove, name="network_meeting_agenda_remove"
    ),
    path(M + "attendance", views.meeting_attendance, name="network_meeting_attendance"),
    path(M + "decisions/add", views.decision_create, name="network_decision_create"),
    path(M + "actions/add", views.action_create, name="network_action_create"),
    path("network/decisions/", views.decision_list, name="network_decision_list"),
    path(D, views.decision_detail, name="network_decision_detail"),
    path(D + "edit", views.decision_edit, name="network_decision_edit"),
    path("network/actions/", views.action_list, name="network_action_list"),
    path("network/actions/<uuid:public_id>/", views.action_update, name="network_action_update"),
    path("network/working-groups/", views.working_group_list, name="network_working_group_list"),
    path("network/working-groups/new", views.working_group_create, name="network_working_group_create"),
    path(G, views.working_group_detail, name="network_working_group_detail"),
    path(G + "edit", views.working_group_edit, name="network_working_group_edit"),
    path(G + "staff/add", views.working_group_staff_add, name="network_working_group_staff_add"),
    path(
        G + "staff/<uuid:member_id>/remove",
        views.working_group_staff_remove,
        name="network_working_group_staff_remove",
    ),
    path("network/methods/", views.method_list, name="network_method_list"),
    path("network/methods/new", views.method_create, name="network_method_create"),
    path(X, views.method_detail, name="network_method_detail"),
    path(X + "edit", views.method_edit, name="network_method_edit"),
    path(X + "new-version", views.method_new_version, name="network_method_new_version"),
    path(X + "apply", views.method_apply, name="network_method_apply"),
]
