from django.urls import include, path

from kujdes.cases import views, views_export

urlpatterns: list = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/export", views_export.case_list_export, name="case_list_export"),
    path("cases/new", views.case_create_view, name="case_create"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/edit", views.case_edit, name="case_edit"),
    path("cases/<uuid:public_id>/perpetrator", views.case_perpetrator, name="case_perpetrator"),
    path("cases/<uuid:public_id>/nrm", views.case_nrm_advance_view, name="case_nrm_advance"),
    path("cases/<uuid:public_id>/events", views.trafficking_event_add_view, name="trafficking_event_add"),
    path(
        "cases/<uuid:public_id>/events/<uuid:event_id>/remove",
        views.trafficking_event_remove_view,
        name="trafficking_event_remove",
    ),
    path("cases/<uuid:public_id>/workers", views.case_workers, name="case_workers"),
    path("cases/<uuid:public_id>/close", views.case_close_request, name="case_close_request"),
    path("cases/<uuid:public_id>/transfer", views.case_transfer_request_view, name="case_transfer_request"),
    path("cases/<uuid:public_id>/reopen", views.case_reopen_view, name="case_reopen"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<uuid:public_id>/decide", views.approval_decide_view, name="approval_decide"),
    path("approvals/<uuid:public_id>/withdraw", views.approval_withdraw_view, name="approval_withdraw"),
    path("organisation/case-settings", views.case_settings, name="case_settings"),
    path("", include("kujdes.cases.urls_htcds")),
    # Case work (plans, tasks, services, follow-ups, notes, documents, my work): its own module.
    path("", include("kujdes.cases.urls_work")),
]
