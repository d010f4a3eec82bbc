from django.urls import include, path

from kujdes.network import views

P = "network/partners/<uuid:public_id>/"

urlpatterns = [
    path("network/", views.network_home, name="network_home"),
    path("network/roles/", views.network_roles, name="network_roles"),
    path(
        "network/roles/<uuid:membership_id>/revoke",
        views.network_role_revoke_view,
        name="network_role_revoke",
    ),
    path("network/partners/", views.partner_list, name="network_partner_list"),
    path("network/partners/new", views.partner_create_view, name="network_partner_create"),
    path(P, views.partner_detail, name="network_partner_detail"),
    path(P + "edit", views.partner_edit, name="network_partner_edit"),
    path(P + "focal-points/add", views.focal_point_add_view, name="network_focal_point_add"),
    path(
        P + "focal-points/<uuid:focal_point_id>/remove",
        views.focal_point_remove_view,
        name="network_focal_point_remove",
    ),
    # The sub-rooms, each with its own URL module.
    path("", include("kujdes.network.practices.urls")),
    path("", include("kujdes.network.exchanges.urls")),
    path("", include("kujdes.network.reflection.urls")),
    path("", include("kujdes.network.milestones.urls")),
    path("", include("kujdes.network.releases.urls")),
    path("", include("kujdes.network.figures.urls")),
    path("", include("kujdes.network.stakeholders.urls")),
    path("", include("kujdes.network.federation.urls")),
    path("", include("kujdes.network.crossborder.urls")),
]
