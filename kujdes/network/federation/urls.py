from django.urls import path

from kujdes.network.federation import endpoints

urlpatterns = [
    path("federation/card", endpoints.card, name="federation_card"),
    path("federation/inbox", endpoints.inbox, name="federation_inbox"),
]
