from django.urls import path

from kujdes.cases import views_htcds

urlpatterns = [
    path("cases/htcds/export", views_htcds.htcds_export_view, name="htcds_export"),
    path("cases/htcds/import", views_htcds.htcds_import_view, name="htcds_import"),
]
