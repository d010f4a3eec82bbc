from django.urls import path

from kujdes.reports import views, views_builder

R = "reports/saved/<uuid:public_id>/"

urlpatterns = [
    # Dashboards, one indicator in depth, the catalogue, the small-cell setting (views.py).
    path("reports/", views.dashboard, name="report_dashboard"),
    path("reports/indicators/", views.indicator_catalogue, name="report_catalogue"),
    path("reports/indicators/<slug:code>/", views.indicator_detail, name="report_indicator"),
    path("organisation/reports/", views.report_settings, name="report_settings"),
    # The report builder, saved reports, exports and kept files (views_builder.py).
    path("reports/builder/", views_builder.report_builder, name="report_builder"),
    path("reports/builder/export", views_builder.report_builder_export, name="report_builder_export"),
    path("reports/saved/", views_builder.report_list, name="report_list"),
    path(R, views_builder.report_detail, name="report_detail"),
    path(R + "edit", views_builder.report_edit, name="report_edit"),
    path(R + "delete", views_builder.report_delete, name="report_delete"),
    path(R + "export", views_builder.report_export, name="report_export"),
    path(R + "pdf", views_builder.report_pdf_background, name="report_pdf_background"),
    path("reports/files/<uuid:public_id>", views_builder.report_file_download, name="report_file_download"),
]
