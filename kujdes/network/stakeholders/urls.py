from __future__ import annotations

from django.urls import path

from kujdes.network.stakeholders import views

S = "network/stakeholders/<uuid:public_id>/"

urlpatterns = [
    path("network/stakeholders/", views.stakeholder_list, name="network_stakeholder_list"),
    path("network/stakeholders/export", views.stakeholder_export, name="network_stakeholder_export"),
    path("network/stakeholders/new", views.stakeholder_create_view, name="network_stakeholder_create"),
    path(
        "network/stakeholders/documents/<uuid:public_id>",
        views.document_download,
        name="network_stakeholder_document",
    ),
    path(S, views.stakeholder_detail, name="network_stakeholder_detail"),
    path(S + "edit", views.stakeholder_edit, name="network_stakeholder_edit"),
    path(S + "agreements/add", views.agreement_add_view, name="network_stakeholder_agreement_add"),
    path(
        S + "agreements/<uuid:agreement_id>/remove",
        views.agreement_remove_view,
        name="network_stakeholder_agreement_remove",
    ),
    path(S + "share", views.stakeholder_share_view, name="network_stakeholder_share"),
    path(S + "unshare", views.stakeholder_unshare_view, name="network_stakeholder_unshare"),
]
