"""URLs of case work (included at the end of kujdes/cases/urls.py)."""

from django.urls import path

from kujdes.cases import views_work as views

urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("cases/<uuid:public_id>/plans/new", views.support_plan_create_view, name="support_plan_create"),
    path(
        "cases/<uuid:public_id>/plans/<uuid:plan_id>/edit", views.support_plan_edit, name="support_plan_edit"
    ),
    path("cases/<uuid:public_id>/tasks/new", views.case_task_create_view, name="case_task_create"),
    path(
        "cases/<uuid:public_id>/tasks/<uuid:task_id>/done",
        views.case_task_complete_view,
        name="case_task_complete",
    ),
    path(
        "cases/<uuid:public_id>/services/new", views.service_delivery_create, name="service_delivery_create"
    ),
    path("cases/<uuid:public_id>/follow-ups/new", views.follow_up_create, name="follow_up_create"),
    path("cases/<uuid:public_id>/notes/new", views.case_note_create, name="case_note_create"),
    path("cases/<uuid:public_id>/documents/new", views.case_document_upload, name="case_document_upload"),
    path(
        "cases/<uuid:public_id>/documents/<uuid:document_id>",
        views.case_document_download,
        name="case_document_download",
    ),
]
