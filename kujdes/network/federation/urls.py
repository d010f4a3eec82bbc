from django.urls import path

from kujdes.network.federation import endpoints, views

P = "network/federation/peers/<uuid:public_id>/"

urlpatterns = [
    # The two doors other installations use (no session).
    path("federation/card", endpoints.card, name="federation_card"),
    path("federation/inbox", endpoints.inbox, name="federation_inbox"),
    # The pages of the coordinator and the organisation admins.
    path("network/federation/", views.federation_home, name="federation_home"),
    path("network/federation/card.json", views.federation_card_download, name="federation_card_download"),
    path("network/federation/peers/add", views.federation_peer_add, name="federation_peer_add"),
    path("network/federation/peers/confirm", views.federation_peer_confirm, name="federation_peer_confirm"),
    path(P, views.federation_peer_detail, name="federation_peer_detail"),
    path(P + "ping", views.federation_peer_ping, name="federation_peer_ping"),
    path(P + "export", views.federation_peer_export, name="federation_peer_export"),
    path(P + "revoke", views.federation_peer_revoke, name="federation_peer_revoke"),
    path(
        P + "packages/<uuid:package_id>/retry",
        views.federation_package_retry,
        name="federation_package_retry",
    ),
    path("network/federation/import", views.federation_import, name="federation_import"),
]
