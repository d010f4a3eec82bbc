from django.urls import include, path

urlpatterns: list = [
    # Case work (plans, tasks, services, follow-ups, notes, documents, my work): its own module.
    path("", include("kujdes.cases.urls_work")),
]
