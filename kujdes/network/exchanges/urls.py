from django.urls import path

from kujdes.network.exchanges import views

E = "network/exchanges/<uuid:public_id>/"

urlpatterns = [
    path("network/exchanges/", views.exchange_list, name="network_exchange_list"),
    path("network/exchanges/calendar/", views.exchange_calendar, name="network_exchange_calendar"),
    path("network/exchanges/actions/", views.action_list, name="network_exchange_action_list"),
    path("network/exchanges/new", views.exchange_create, name="network_exchange_create"),
    path(E, views.exchange_detail, name="network_exchange_detail"),
    path(E + "edit", views.exchange_edit, name="network_exchange_edit"),
    path(E + "practices", views.practices_edit, name="network_exchange_practices"),
    path(E + "agenda/add", views.agenda_add, name="network_exchange_agenda_add"),
    path(E + "agenda/<uuid:item_id>/remove", views.agenda_remove, name="network_exchange_agenda_remove"),
    path(E + "participants/add", views.participant_add, name="network_exchange_participant_add"),
    path(
        E + "participants/<uuid:participant_id>/edit",
        views.participant_edit,
        name="network_exchange_participant_edit",
    ),
    path(
        E + "participants/<uuid:participant_id>/evaluation",
        views.participant_evaluate,
        name="network_exchange_participant_evaluate",
    ),
    path(
        E + "participants/<uuid:participant_id>/remove",
        views.participant_remove,
        name="network_exchange_participant_remove",
    ),
    path(E + "actions/add", views.action_add, name="network_exchange_action_add"),
    path(E + "actions/<uuid:action_id>/edit", views.action_edit, name="network_exchange_action_edit"),
    path(E + "documents/add", views.document_add, name="network_exchange_document_add"),
    path(
        E + "documents/<uuid:document_id>/",
        views.document_download,
        name="network_exchange_document_download",
    ),
    path(
        E + "documents/<uuid:document_id>/remove",
        views.document_delete,
        name="network_exchange_document_delete",
    ),
]
