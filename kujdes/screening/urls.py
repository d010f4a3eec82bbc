"""Pages of the screening room: instruments (organisation administrators) and screenings (case workers)."""

from django.urls import path

from kujdes.screening import views

urlpatterns = [
    path("screening/instruments/", views.instrument_list, name="instrument_list"),
    path("screening/instruments/<uuid:public_id>/edit", views.instrument_edit, name="instrument_edit"),
    path("screening/instruments/<uuid:public_id>/rules", views.instrument_rules, name="instrument_rules"),
    path(
        "screening/instruments/<uuid:public_id>/rules/preview",
        views.instrument_rules_preview,
        name="instrument_rules_preview",
    ),
    path(
        "screening/instruments/<uuid:public_id>/versions/<int:number>",
        views.instrument_version_detail,
        name="instrument_version_detail",
    ),
    path("screening/persons/<uuid:person_id>/new", views.screening_create, name="screening_create"),
    path("screening/persons/<uuid:person_id>/preview", views.screening_preview, name="screening_preview"),
    path("screening/<uuid:public_id>", views.screening_detail, name="screening_detail"),
]
