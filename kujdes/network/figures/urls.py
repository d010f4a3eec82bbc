from __future__ import annotations

from django.urls import path

from kujdes.network.figures import views

R = "network/figures/releases/<uuid:public_id>/"

urlpatterns: list = [
    path("network/figures/", views.figures_page, name="network_figures"),
    path("network/figures/export.<str:export_format>", views.figures_export, name="network_figures_export"),
    path(R + "tables/<int:position>/sds.tsv", views.release_sds, name="network_figures_release_sds"),
    path(R + "ctdc.csv", views.release_ctdc, name="network_figures_release_ctdc"),
    path(R + "ctdc/", views.release_ctdc_make, name="network_figures_release_ctdc_make"),
]
