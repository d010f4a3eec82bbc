from django.urls import include, path

from kujdes.fieldsync import openrosa, views, views_review, views_shipped


def _openrosa(prefix: str) -> list:
    return [
        path("formList", openrosa.form_list, name=f"{prefix}form_list"),
        path("forms/<str:xml_form_id>/form.xml", openrosa.form_download, name=f"{prefix}form_download"),
        path("forms/<str:xml_form_id>/manifest", openrosa.form_manifest, name=f"{prefix}form_manifest"),
        path("forms/<str:xml_form_id>/media/<str:filename>", openrosa.form_media, name=f"{prefix}form_media"),
        path("submission", openrosa.submission, name=f"{prefix}submission"),
    ]


urlpatterns = [
    path("openrosa/", openrosa.root, name="openrosa_root"),
    path("openrosa/", include(_openrosa("openrosa_"))),
    path("openrosa/key/<str:token>/", openrosa.root, name="openrosa_key_root"),
    path("openrosa/key/<str:token>/", include(_openrosa("openrosa_key_"))),
    path("fieldsync/forms/", views.form_list_page, name="fieldsync_forms"),
    path(
        "fieldsync/forms/install-shipped",
        views_shipped.shipped_install_view,
        name="fieldsync_shipped_install",
    ),
    path("fieldsync/forms/<uuid:public_id>/", views.form_detail, name="fieldsync_form"),
    path("fieldsync/forms/<uuid:public_id>/encrypt", views.form_encrypt_view, name="fieldsync_form_encrypt"),
    path(
        "fieldsync/forms/<uuid:public_id>/submissions/",
        views.submission_list_page,
        name="fieldsync_submissions",
    ),
    path(
        "fieldsync/forms/<uuid:public_id>/submissions/export",
        views.submission_export,
        name="fieldsync_submissions_export",
    ),
    path("fieldsync/submissions/<uuid:public_id>/", views.submission_detail, name="fieldsync_submission"),
    path(
        "fieldsync/submissions/<uuid:public_id>/attachments/<uuid:attachment_id>",
        views.submission_attachment,
        name="fieldsync_submission_attachment",
    ),
    path("fieldsync/devices/", views.device_list_page, name="fieldsync_devices"),
    path(
        "fieldsync/devices/<uuid:public_id>/revoke", views.device_revoke_view, name="fieldsync_device_revoke"
    ),
    path("fieldsync/review/", views_review.review_list, name="fieldsync_review"),
    path("fieldsync/review/<uuid:public_id>/", views_review.review_item, name="fieldsync_review_item"),
]
