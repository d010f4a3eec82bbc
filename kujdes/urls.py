from django.conf import settings
from django.urls import include, path

from kujdes.accounts import views as accounts_views
from kujdes.api import api
from kujdes.core import audit_views, staff_views
from kujdes.core import views as core_views
from kujdes.core.documents import views as document_views
from kujdes.people import views as people_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("language", core_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("account/tokens/", accounts_views.token_list, name="token_list"),
    path("account/tokens/<uuid:public_id>/revoke", accounts_views.token_revoke, name="token_revoke"),
    path("organisation/units/", core_views.unit_list, name="unit_list"),
    path("organisation/units/<uuid:public_id>/add", core_views.unit_add, name="unit_add"),
    path("organisation/units/<uuid:public_id>/edit", core_views.unit_edit, name="unit_edit"),
    path("organisation/staff/", staff_views.staff_list, name="staff_list"),
    path(
        "organisation/staff/<uuid:public_id>/category",
        staff_views.staff_category_edit,
        name="staff_category_edit",
    ),
    path("organisation/users/", accounts_views.user_list, name="user_list"),
    path("organisation/users/invite", accounts_views.user_invite_view, name="user_invite"),
    path("organisation/users/<uuid:public_id>/", accounts_views.user_detail, name="user_detail"),
    path(
        "organisation/users/<uuid:public_id>/roles/add", accounts_views.membership_add, name="membership_add"
    ),
    path(
        "organisation/users/<uuid:public_id>/roles/<uuid:membership_id>/remove",
        accounts_views.membership_remove,
        name="membership_remove",
    ),
    path(
        "organisation/users/<uuid:public_id>/deactivate",
        accounts_views.user_deactivate_view,
        name="user_deactivate",
    ),
    path(
        "organisation/users/<uuid:public_id>/reactivate",
        accounts_views.user_reactivate_view,
        name="user_reactivate",
    ),
    path("organisation/audit/", audit_views.audit_log, name="audit_log"),
    path("organisation/audit/export.csv", audit_views.audit_log_export, name="audit_log_export"),
    path("organisation/audit/reads/", audit_views.audit_reads, name="audit_reads"),
    path("organisation/audit/probing/", audit_views.audit_probing, name="audit_probing"),
    path("organisation/retention/", people_views.retention_list, name="retention_list"),
    path("organisation/retention/periods", people_views.retention_rule_save, name="retention_rule_save"),
    path(
        "organisation/retention/<uuid:public_id>/", people_views.retention_confirm, name="retention_confirm"
    ),
    path(
        "organisation/data-subjects/<uuid:public_id>/hold", people_views.legal_hold_add, name="legal_hold_add"
    ),
    path(
        "organisation/data-subjects/<uuid:public_id>/subject-access.zip",
        people_views.subject_access,
        name="subject_access",
    ),
    path("files/<uuid:public_id>", people_views.person_file_download, name="person_file_download"),
    path("documents/<uuid:public_id>", document_views.document_job, name="document_job"),
    path(
        "documents/files/<uuid:public_id>",
        document_views.document_file_download,
        name="document_file_download",
    ),
    # The daily work: each room's own URL module.
    path("", include("kujdes.people.urls")),
    path("", include("kujdes.screening.urls")),
    path("", include("kujdes.cases.urls")),
    path("", include("kujdes.referrals.urls")),
    path("", include("kujdes.programme.urls")),
    path("", include("kujdes.programme.employment.urls")),
    path("", include("kujdes.reports.urls")),
    path("", include("kujdes.network.urls")),
    path("", include("kujdes.fieldsync.urls")),
    path("", include("kujdes.imports.urls")),
    path("api/v1/", api.urls),
]

if settings.ADMIN_ENABLED:
    from django.contrib import admin

    urlpatterns.append(path("admin/", admin.site.urls))
