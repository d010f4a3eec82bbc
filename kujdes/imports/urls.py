from django.urls import path

from kujdes.imports import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<uuid:public_id>/", views.import_batch, name="import_batch"),
    path("imports/<uuid:public_id>/reading", views.import_reading, name="import_reading"),
    path("imports/<uuid:public_id>/mapping", views.import_mapping, name="import_mapping"),
    path("imports/<uuid:public_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/<uuid:public_id>/commit", views.import_commit, name="import_commit"),
    path("imports/<uuid:public_id>/cancel", views.import_cancel, name="import_cancel"),
    path("imports/<uuid:public_id>/undo", views.import_undo, name="import_undo"),
]
