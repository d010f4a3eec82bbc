"""The person registry's pages (the protection officer's pages are in kujdes/urls.py)."""

from django.urls import path

from kujdes.people import views_consent, views_export
from kujdes.people import views_registry as views
from kujdes.people.dedupe import views as views_dedupe

urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/export", views_export.person_list_export, name="person_list_export"),
    path("persons/new", views.person_create_view, name="person_create"),
    path("persons/<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:public_id>/edit", views.person_edit, name="person_edit"),
    path("persons/<uuid:public_id>/relations/add", views.person_relation_add, name="person_relation_add"),
    path("persons/<uuid:public_id>/household", views.person_household, name="person_household"),
    path(
        "persons/<uuid:public_id>/consents/add", views_consent.person_consent_add, name="person_consent_add"
    ),
    path(
        "persons/<uuid:public_id>/consents/<uuid:consent_id>/withdraw",
        views_consent.person_consent_withdraw,
        name="person_consent_withdraw",
    ),
    path("persons/<uuid:public_id>/merge", views.person_merge_propose_view, name="person_merge_propose"),
    path("persons/merges/<uuid:public_id>/", views.person_merge_review_view, name="person_merge_review"),
    path("persons/merges/<uuid:public_id>/unmerge", views.person_unmerge_view, name="person_unmerge"),
    # The batch deduplication's review queue (kujdes/people/dedupe).
    path("persons/duplicates/", views_dedupe.duplicates_queue, name="duplicates_queue"),
    path("persons/duplicates/run", views_dedupe.duplicates_run_start, name="duplicates_run_start"),
    path("persons/duplicates/runs/<uuid:public_id>/", views_dedupe.duplicates_run, name="duplicates_run"),
    path("persons/duplicates/<uuid:public_id>/", views_dedupe.duplicate_pair, name="duplicate_pair"),
]
