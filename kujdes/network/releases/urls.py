from __future__ import annotations

from django.urls import path

from kujdes.network.releases import views

R = "network/releases/<uuid:public_id>/"

urlpatterns = [
    path("network/releases/", views.release_list, name="network_release_list"),
    path("network/releases/new", views.release_create, name="network_release_create"),
    path("network/releases/shared-persons", views.shared_persons, name="network_release_shared_persons"),
    path(R, views.release_detail, name="network_release_detail"),
    path(R + "edit", views.release_edit, name="network_release_edit"),
    path(R + "preview", views.release_preview, name="network_release_preview"),
    path(R + "release", views.release_publish_view, name="network_release_publish"),
    path(R + "delete", views.release_delete, name="network_release_delete"),
    path(R + "supersede", views.release_supersede, name="network_release_supersede"),
    path(R + "withdraw", views.release_withdraw, name="network_release_withdraw"),
]
