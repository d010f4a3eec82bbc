"""The site's URLs with the importer's API mounted at /api/v1/ as kujdes/api.py mounts it, for
test_api.py until (and after) the router is wired into the project's API (its routes come first)."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI
from ninja.security import SessionAuth

from kujdes.api import BearerAuth
from kujdes.imports.api import router
from kujdes.urls import urlpatterns as site

api = NinjaAPI(urls_namespace="imports-api-test", auth=[BearerAuth(), SessionAuth()], docs_url=None)
api.add_router("/", router)

urlpatterns = [path("api/v1/", api.urls), *site]
