from django.urls import path

from kujdes.core.content_languages import content_languages_view
from kujdes.programme import (
    views,
    views_camp,
    views_certificates,
    views_export,
    views_initiatives,
    views_register,
    views_settings,
    views_volunteers,
)

A = "programme/activities/<uuid:public_id>/"
S = A + "sessions/<uuid:session_id>/"

urlpatterns = [
    # Activities, sessions, participants, outcomes, certificates (views.py).
    path("programme/activities/", views.activity_list, name="activity_list"),
    path("programme/calendar/", views.activity_calendar, name="activity_calendar"),
    path("programme/activities/new", views.activity_create, name="activity_create"),
    path(A, views.activity_detail, name="activity_detail"),
    path(A + "edit", views.activity_edit, name="activity_edit"),
    path(A + "certificates", views_certificates.activity_certificates, name="activity_certificates"),
    path(A + "sessions/add", views.session_add_view, name="session_add"),
    path(A + "sessions/schedule", views.sessions_schedule_view, name="sessions_schedule"),
    path(S + "edit", views.session_edit, name="session_edit"),
    path(A + "facilitators/add", views.facilitator_add_view, name="facilitator_add"),
    path(
        A + "facilitators/<int:facilitator_id>/remove",
        views.facilitator_remove_view,
        name="facilitator_remove",
    ),
    path(A + "files/add", views.activity_file_add, name="activity_file_add"),
    path("programme/files/<uuid:public_id>", views.activity_file_download, name="activity_file_download"),
    path(
        A + "participants/export",
        views_export.activity_participants_export,
        name="activity_participants_export",
    ),
    path(A + "participants/add", views.participant_enrol_view, name="participant_enrol"),
    path(A + "participants/register", views_register.participant_register, name="participant_register"),
    path(
        "programme/participations/<uuid:public_id>/complete",
        views.participation_complete_view,
        name="participation_complete",
    ),
    path(
        "programme/participations/<uuid:public_id>/drop",
        views.participation_drop_view,
        name="participation_drop",
    ),
    path(
        "programme/participations/<uuid:public_id>/certificate.pdf",
        views.participation_certificate,
        name="participation_certificate",
    ),
    path("programme/outcomes/", views.outcome_list, name="outcome_list"),
    path("programme/outcomes/<uuid:public_id>/record", views.outcome_record_view, name="outcome_record"),
    # The phone screens of the day: today's sessions, the attendance register, headcounts (views_register.py).
    path("programme/today/", views_register.session_today, name="session_today"),
    path(S + "attendance", views_register.attendance_register_view, name="attendance_register"),
    path(S + "attendance/late", views_register.attendance_late_add, name="attendance_late_add"),
    path(A + "headcounts/add", views_register.headcount_create, name="headcount_create"),
    path(
        "programme/headcounts/<uuid:public_id>/delete",
        views_register.headcount_delete_view,
        name="headcount_delete",
    ),
    # Summer camps (views_camp.py).
    path(A + "camp/", views_camp.camp_overview, name="camp_overview"),
    path(A + "camp/groups/add", views_camp.camp_group_add_view, name="camp_group_add"),
    path(
        "programme/participations/<uuid:public_id>/camp",
        views_camp.camp_participant_edit,
        name="camp_participant_edit",
    ),
    path(A + "camp/incidents/", views_camp.incident_list, name="incident_list"),
    path(A + "camp/incidents/add", views_camp.incident_create, name="incident_create"),
    # Volunteers (views_volunteers.py).
    path("programme/volunteers/", views_volunteers.volunteer_list, name="volunteer_list"),
    path("programme/volunteers/export", views_export.volunteer_list_export, name="volunteer_list_export"),
    path("programme/volunteers/new", views_volunteers.volunteer_create_view, name="volunteer_create"),
    path("programme/volunteers/pipeline/", views_volunteers.volunteer_pipeline, name="volunteer_pipeline"),
    path(
        "programme/volunteers/<uuid:public_id>/stage",
        views_volunteers.volunteer_stage_change_view,
        name="volunteer_stage_change",
    ),
    path(
        "programme/volunteers/<uuid:public_id>/certificate.pdf",
        views_volunteers.volunteer_certificate,
        name="volunteer_certificate",
    ),
    path(
        "programme/volunteers/<uuid:public_id>/", views_volunteers.volunteer_detail, name="volunteer_detail"
    ),
    path(
        "programme/volunteers/<uuid:public_id>/edit", views_volunteers.volunteer_edit, name="volunteer_edit"
    ),
    path(
        "programme/volunteers/<uuid:public_id>/trainings/add",
        views_volunteers.training_add_view,
        name="training_add",
    ),
    path(
        "programme/volunteers/<uuid:public_id>/hours/add", views_volunteers.hours_add_view, name="hours_add"
    ),
    path(
        "programme/volunteers/<uuid:public_id>/conduct/accept",
        views_volunteers.conduct_accept_view,
        name="conduct_accept",
    ),
    path("programme/me/", views_volunteers.volunteer_me, name="volunteer_me"),
    # Joint initiatives and advocacy (views_initiatives.py).
    path("programme/initiatives/", views_initiatives.initiative_list, name="initiative_list"),
    path("programme/initiatives/new", views_initiatives.initiative_create_view, name="initiative_create"),
    path(
        "programme/initiatives/<uuid:public_id>/",
        views_initiatives.initiative_detail,
        name="initiative_detail",
    ),
    path(
        "programme/initiatives/<uuid:public_id>/edit",
        views_initiatives.initiative_edit,
        name="initiative_edit",
    ),
    path(
        "programme/initiatives/<uuid:public_id>/actions/add",
        views_initiatives.initiative_action_add_view,
        name="initiative_action_add",
    ),
    # Organisation configuration (views_settings.py).
    path("organisation/activity-types/", views_settings.activity_type_list, name="activity_type_list"),
    path("organisation/activity-types/new", views_settings.activity_type_create, name="activity_type_create"),
    path(
        "organisation/activity-types/<uuid:public_id>/edit",
        views_settings.activity_type_edit,
        name="activity_type_edit",
    ),
    path(
        "organisation/programme-settings", views_settings.programme_settings_view, name="programme_settings"
    ),
    path("organisation/code-of-conduct/", views_settings.conduct_list, name="conduct_list"),
    # Which content lacks which language (kujdes/core/content_languages.py): here until kujdes/urls.py has it.
    path("organisation/content-languages/", content_languages_view, name="content_languages"),
    # The volunteers' training curriculum (views_volunteers.py).
    path("organisation/volunteer-curriculum/", views_volunteers.curriculum_list, name="curriculum_list"),
    path(
        "organisation/volunteer-curriculum/install",
        views_volunteers.curriculum_install_view,
        name="curriculum_install",
    ),
    path(
        "organisation/volunteer-curriculum/new",
        views_volunteers.curriculum_module_create,
        name="curriculum_module_create",
    ),
    path(
        "organisation/volunteer-curriculum/<uuid:public_id>/edit",
        views_volunteers.curriculum_module_edit,
        name="curriculum_module_edit",
    ),
]
