from django.urls import path

from kujdes.network.crossborder import views

IN = "network/abroad/incoming/<uuid:public_id>/"

urlpatterns = [
    path("network/abroad/cases/<uuid:case_id>/refer", views.refer, name="crossborder_refer"),
    path("network/abroad/outgoing/<uuid:public_id>/", views.outgoing_detail, name="crossborder_outgoing"),
    path(
        "network/abroad/outgoing/<uuid:public_id>/withdraw",
        views.outgoing_withdraw,
        name="crossborder_outgoing_withdraw",
    ),
    path("network/abroad/incoming/", views.incoming_list, name="crossborder_incoming_list"),
    path(IN, views.incoming_detail, name="crossborder_incoming"),
    path(IN + "assign", views.incoming_assign, name="crossborder_incoming_assign"),
    path(IN + "accept", views.incoming_accept, name="crossborder_incoming_accept"),
    path(IN + "decline", views.incoming_decline, name="crossborder_incoming_decline"),
    path(IN + "step", views.incoming_step, name="crossborder_incoming_step"),
    path(IN + "resolve", views.incoming_resolve, name="crossborder_incoming_resolve"),
    path(IN + "documents/<int:index>", views.incoming_document, name="crossborder_incoming_document"),
]
