from django.urls import path

from kujdes.imports import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/templates/", views.import_templates, name="import_templates"),
    path(
        "imports/templates/<uuid:public_id>/rename",
        views.import_template_rename,
        name="import_template_rename",
    ),
    path(
        "imports/templates/<uuid:public_id>/delete",
        views.import_template_delete,
        name="import_template_delete",
    ),
    path("imports/<uuid:public_id>/", views.import_batch, name="import_batch"),
    path("imports/<uuid:public_id>/reading", views.import_reading, name="import_reading"),
    path("imports/<uuid:public_id>/mapping", views.import_mapping, name="import_mapping"),
    path("imports/<uuid:public_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/<uuid:public_id>/commit", views.import_commit, name="import_commit"),
    path("imports/<uuid:public_id>/status", views.import_status, name="import_status"),
    path("imports/<uuid:public_id>/template", views.import_template_save, name="import_template_save"),
    path(
        "imports/<uuid:public_id>/template/apply", views.import_template_apply, name="import_template_apply"
    ),
    path("imports/<uuid:public_id>/cancel", views.import_cancel, name="import_cancel"),
    path("imports/<uuid:public_id>/undo", views.import_undo, name="import_undo"),
]
