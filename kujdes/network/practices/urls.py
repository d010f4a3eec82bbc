from __future__ import annotations

from django.urls import path

from kujdes.network.practices import views

P = "network/practices/<uuid:public_id>/"

urlpatterns = [
    path("network/practices/", views.practice_list, name="network_practice_list"),
    path("network/practices/mine", views.practice_mine, name="network_practice_mine"),
    path("network/practices/new", views.practice_create, name="network_practice_create"),
    path(P, views.practice_detail, name="network_practice_detail"),
    path(P + "edit", views.practice_edit, name="network_practice_edit"),
    path(P + "texts/<str:language>", views.practice_text_edit, name="network_practice_text_edit"),
    path(P + "submit", views.practice_submit, name="network_practice_submit"),
    path(P + "withdraw", views.practice_withdraw, name="network_practice_withdraw"),
    path(P + "comment", views.practice_comment, name="network_practice_comment"),
    path(P + "review", views.practice_review, name="network_practice_review"),
    path(P + "history", views.practice_history, name="network_practice_history"),
    path(P + "attachments/add", views.attachment_upload, name="network_practice_attachment_upload"),
    path(
        P + "attachments/<uuid:attachment_id>",
        views.attachment_download,
        name="network_practice_attachment_download",
    ),
    path(
        P + "attachments/<uuid:attachment_id>/delete",
        views.attachment_delete,
        name="network_practice_attachment_delete",
    ),
    path(P + "adoptions/add", views.adoption_add, name="network_practice_adoption_add"),
]
