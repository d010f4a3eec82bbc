from django.urls import path

from kujdes.referrals import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new", views.referral_create, name="referral_create"),
    path("referrals/incoming/new", views.referral_incoming_create, name="referral_incoming_create"),
    path("referrals/directory/", views.provider_list, name="provider_list"),
    path("referrals/directory/new", views.provider_create_view, name="provider_create"),
    path("referrals/directory/<uuid:public_id>/edit", views.provider_edit, name="provider_edit"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:public_id>/respond", views.referral_respond_view, name="referral_respond"),
    path("referrals/<uuid:public_id>/complete", views.referral_complete_view, name="referral_complete"),
    path("referrals/<uuid:public_id>/cancel", views.referral_cancel_view, name="referral_cancel"),
    path("referrals/<uuid:public_id>/letter.pdf", views.referral_letter, name="referral_letter"),
]
