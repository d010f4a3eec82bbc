from __future__ import annotations

from django.urls import path

from kujdes.network.milestones import views

M = "network/milestones/"
F = M + "frameworks/<uuid:public_id>/"
ONE = M + "<uuid:public_id>/"

urlpatterns = [
    path(M, views.scorecard_view, name="network_scorecard"),
    path(M + "scorecard.xlsx", views.scorecard_export, name="network_scorecard_xlsx"),
    path(M + "frameworks/", views.framework_list, name="network_milestone_framework_list"),
    path(M + "frameworks/new", views.framework_create_view, name="network_milestone_framework_create"),
    path(F, views.framework_detail, name="network_milestone_framework_detail"),
    path(F + "edit", views.framework_edit, name="network_milestone_framework_edit"),
    path(F + "milestones/new", views.milestone_create_view, name="network_milestone_create"),
    path(F + "requests/new", views.request_create_view, name="network_milestone_request_create"),
    path(ONE, views.milestone_detail, name="network_milestone_detail"),
    path(ONE + "edit", views.milestone_edit, name="network_milestone_edit"),
    path(ONE + "targets", views.milestone_targets, name="network_milestone_targets"),
    path(
        ONE + "partners/<uuid:partner_id>/report", views.progress_add, name="network_milestone_progress_add"
    ),
    path(M + "partners/<uuid:public_id>/", views.partner_milestones, name="network_milestone_partner"),
    path(M + "requests/", views.request_list, name="network_milestone_request_list"),
    path(M + "requests/<uuid:public_id>/close", views.request_close, name="network_milestone_request_close"),
]
