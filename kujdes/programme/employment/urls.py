from django.urls import path

from kujdes.programme.employment import views

urlpatterns = [
    path("programme/employment/", views.employment_home, name="employment_home"),
    path("programme/employment/employers/", views.employer_list, name="employment_employer_list"),
    path("programme/employment/employers/new", views.employer_create_view, name="employment_employer_create"),
    path(
        "programme/employment/employers/<uuid:public_id>/",
        views.employer_detail,
        name="employment_employer_detail",
    ),
    path(
        "programme/employment/employers/<uuid:public_id>/edit",
        views.employer_edit_view,
        name="employment_employer_edit",
    ),
    path("programme/employment/people/<uuid:public_id>/", views.pathway, name="employment_pathway"),
    path(
        "programme/employment/people/<uuid:public_id>/readiness",
        views.readiness_create_view,
        name="employment_readiness_create",
    ),
    path(
        "programme/employment/people/<uuid:public_id>/actions",
        views.action_create_view,
        name="employment_action_create",
    ),
    path(
        "programme/employment/people/<uuid:public_id>/placements/new",
        views.placement_create_view,
        name="employment_placement_create",
    ),
    path(
        "programme/employment/people/<uuid:public_id>/grants/new",
        views.grant_create_view,
        name="employment_grant_create",
    ),
    path(
        "programme/employment/placements/<uuid:public_id>/",
        views.placement_detail,
        name="employment_placement_detail",
    ),
    path(
        "programme/employment/placements/<uuid:public_id>/end",
        views.placement_end_view,
        name="employment_placement_end",
    ),
    path(
        "programme/employment/follow-ups/<uuid:public_id>/", views.follow_up_view, name="employment_follow_up"
    ),
    path(
        "programme/employment/follow-ups/<uuid:public_id>/screening",
        views.follow_up_screening_view,
        name="employment_follow_up_screening",
    ),
    path("programme/employment/grants/<uuid:public_id>/", views.grant_detail, name="employment_grant_detail"),
]
