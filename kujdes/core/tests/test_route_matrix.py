"""Every URL pattern and API route, requested by every role.

A new route without an entry in ROUTES fails `test_every_route_has_an_expectation`.
Foreign objects answer 404; functions a role lacks answer 403 or 404; never 200.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kujdes.core.models import Membership
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.core.tests.routes import (
    DENIED,
    MISSING,
    OK,
    OK_OR_REDIRECT,
    REDIRECT,
    SIGNED_IN,
    Route,
    admins_of_al,
    alice_object,
    everyone,
)

# Apps describe their own routes (kujdes/<app>/tests/routes.py), so that each room owns its expectations.
APP_ROUTE_MODULES = (
    "kujdes.people.tests.routes",
    "kujdes.screening.tests.routes",
    "kujdes.cases.tests.routes",
    "kujdes.cases.tests.routes_work",
    "kujdes.cases.tests.routes_htcds",
    "kujdes.referrals.tests.routes",
    "kujdes.programme.tests.routes_activities",
    "kujdes.programme.tests.routes_register",
    "kujdes.programme.tests.routes_volunteers",
    "kujdes.programme.tests.routes_camp_initiatives",
    "kujdes.programme.employment.tests.routes",
    "kujdes.core.tests.routes_exports",
    "kujdes.core.tests.routes_audit",
    "kujdes.core.tests.routes_staff",
    "kujdes.core.tests.routes_documents",
    "kujdes.reports.tests.routes_reports",
    "kujdes.network.tests.routes",
    "kujdes.network.practices.tests.routes",
    "kujdes.network.exchanges.tests.routes",
    "kujdes.network.reflection.tests.routes",
    "kujdes.network.milestones.tests.routes",
    "kujdes.network.releases.tests.routes",
    "kujdes.network.figures.tests.routes",
    "kujdes.network.stakeholders.tests.routes",
    "kujdes.network.federation.tests.routes",
    "kujdes.network.crossborder.tests.routes",
    "kujdes.fieldsync.tests.routes",
    "kujdes.imports.tests.routes",
)

ROUTES: dict[str, Route] = {
    # The coordinator signs in to the network's dashboard.
    "home": everyone(OK, expect={"coordinator": REDIRECT}),
    "healthz": everyone(OK, anonymous=OK),
    "set_language": everyone(
        REDIRECT, anonymous=REDIRECT, method="POST", data={"language": "fr", "next": "/"}
    ),
    # allauth: sign-in and recovery pages (signed-in users are sent on), own-account pages.
    "account_login": everyone(OK_OR_REDIRECT, anonymous=OK),
    "account_logout": everyone(OK_OR_REDIRECT, anonymous=REDIRECT),
    "account_inactive": everyone(OK, anonymous=OK),
    "account_signup": everyone(OK_OR_REDIRECT, anonymous=OK),
    "account_reauthenticate": everyone(OK_OR_REDIRECT),
    "account_request_reauthentication_code": everyone({200, 302, 404}),
    "account_confirm_reauthentication_code": everyone({200, 302, 404}),
    "account_email": everyone(OK_OR_REDIRECT),
    "account_email_verification_sent": everyone(OK_OR_REDIRECT, anonymous=OK_OR_REDIRECT),
    "account_change_password": everyone(OK_OR_REDIRECT),
    "account_set_password": everyone(OK_OR_REDIRECT),
    "account_reset_password": everyone(OK_OR_REDIRECT, anonymous=OK),
    "account_confirm_login_code": everyone(OK_OR_REDIRECT, anonymous=OK_OR_REDIRECT),
    "account_confirm_email": everyone(
        {200, 302, 404}, anonymous={200, 302, 404}, kwargs=lambda t: {"key": "x"}
    ),
    "account_reset_password_from_key_done": everyone(OK_OR_REDIRECT, anonymous=OK),
    "account_reset_password_from_key": everyone(
        OK_OR_REDIRECT, anonymous=OK_OR_REDIRECT, kwargs=lambda t: {"uidb36": "1", "key": "invalid-key"}
    ),
    "account_reset_password_done": everyone(OK_OR_REDIRECT, anonymous=OK),
    "mfa_index": everyone(OK),
    "mfa_authenticate": everyone(OK_OR_REDIRECT, anonymous=OK_OR_REDIRECT),
    "mfa_reauthenticate": everyone(OK_OR_REDIRECT),
    "mfa_activate_totp": everyone(OK_OR_REDIRECT),
    "mfa_deactivate_totp": everyone(OK_OR_REDIRECT),
    # 404 until the user has generated recovery codes.
    "mfa_view_recovery_codes": everyone({200, 302, 404}),
    "mfa_generate_recovery_codes": everyone(OK_OR_REDIRECT),
    "mfa_download_recovery_codes": everyone({200, 302, 404}),
    "mfa_list_webauthn": everyone(OK_OR_REDIRECT),
    "mfa_add_webauthn": everyone(OK_OR_REDIRECT),
    "mfa_reauthenticate_webauthn": everyone(OK_OR_REDIRECT),
    # Alice's authenticator: nobody else's key can be edited or removed.
    "mfa_remove_webauthn": Route(
        kwargs=lambda t: {"pk": t.alice_authenticator_pk}, others=MISSING, expect={"alice": {200, 302, 404}}
    ),
    "mfa_edit_webauthn": Route(
        kwargs=lambda t: {"pk": t.alice_authenticator_pk}, others=MISSING, expect={"alice": {200, 302, 404}}
    ),
    "usersessions_list": everyone(OK),
    "token_list": everyone(OK),
    "token_revoke": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.alice_token.public_id},
        expect={"alice": REDIRECT, "admin": REDIRECT},
        others=MISSING,
    ),
    "unit_list": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "unit_add": admins_of_al(OK, kwargs=lambda t: {"public_id": t.diocese_a.public_id}),
    "unit_edit": admins_of_al(OK, kwargs=lambda t: {"public_id": t.diocese_a.public_id}),
    "user_list": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "user_invite": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "user_detail": admins_of_al(OK, kwargs=alice_object),
    "membership_add": admins_of_al({400}, method="POST", kwargs=alice_object),
    "membership_remove": admins_of_al(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {"public_id": t.alice.public_id, "membership_id": t.alice_membership.public_id},
    ),
    "user_deactivate": admins_of_al(OK, kwargs=alice_object),
    "user_reactivate": admins_of_al(REDIRECT, method="POST", kwargs=alice_object),
    "audit_log": Route(expect={"dpo": OK, "other_dpo": OK}, others=DENIED),
    "audit_log_export": Route(expect={"dpo": OK, "other_dpo": OK}, others=DENIED),
    "retention_list": Route(expect={"dpo": OK, "other_dpo": OK}, others=DENIED),
    "retention_rule_save": Route(
        method="POST",
        data={"record_type": "person", "keep_for_days": "3650"},
        expect={"dpo": REDIRECT, "other_dpo": REDIRECT},
        others=DENIED,
    ),
    "retention_confirm": Route(
        kwargs=lambda t: {"public_id": t.due.public_id},
        expect={"dpo": OK, "other_dpo": MISSING},
        others=DENIED,
    ),
    "legal_hold_add": Route(
        kwargs=lambda t: {"public_id": t.person.public_id},
        expect={"dpo": OK, "other_dpo": MISSING},
        others=DENIED,
    ),
    "subject_access": Route(
        kwargs=lambda t: {"public_id": t.person.public_id},
        expect={"dpo": OK, "other_dpo": MISSING},
        others=DENIED,
    ),
    # A person's file in diocese A: its case workers and manager, and the organisation's protection officer.
    "person_file_download": Route(
        kwargs=lambda t: {"public_id": t.person_file.public_id},
        expect={name: OK for name in ("alice", "bob", "manager", "dpo")},
        others=MISSING,
    ),
    # The API: 401 without credentials, JSON 404 for what is not the caller's.
    "api:api-root": everyone(MISSING, anonymous={401, 404}),
    "api:openapi-json": everyone(OK, anonymous={401}),
    # The Swagger page: signed-in users only (a browser asking for HTML is sent to sign in, others get 401).
    "api:openapi-view": everyone(OK, anonymous={401}),
    "api:me": everyone(OK, anonymous={401}),
    "api:units_list": everyone(OK, anonymous={401}),
    "api:persons_get": Route(
        kwargs=lambda t: {"person_id": t.person.public_id},
        expect={name: OK for name in ("alice", "bob", "manager")},
        others=MISSING,
        anonymous={401},
    ),
    "api:persons_patch": Route(
        method="PATCH",
        json=True,
        data={"version": 1, "family_name": "Matrix"},
        kwargs=lambda t: {"person_id": t.person.public_id},
        expect={"alice": OK, "bob": OK, "manager": {403}},
        others=MISSING,
        anonymous={401},
    ),
    "api:units_get": Route(
        kwargs=lambda t: {"unit_id": t.diocese_a.public_id},
        expect={name: OK for name in ("alice", "bob", "admin", "manager", "dpo", "viewer", "coordinator")},
        others=MISSING,
        anonymous={401},
    ),
}


def _app_route_modules() -> list[Any]:
    import importlib

    modules = []
    for name in APP_ROUTE_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


for _module in _app_route_modules():
    _clash = set(_module.ROUTES) & set(ROUTES)
    assert not _clash, f"{_module.__name__} redefines {_clash}"
    ROUTES.update(_module.ROUTES)


def url_names(patterns: list[Any], namespace: str | None = None) -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


# The matrix of answers is checked in this many shards (test files of their own), so that a parallel
# run (pytest-xdist) spreads its minutes over the workers.
ANSWER_SHARDS = 4


class RouteWorld(BaseTestCase):
    """Every room's fixtures, and how to ask a route as an actor; the tests are in the classes below
    and in test_route_matrix_shard*.py."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from allauth.mfa.models import Authenticator
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kujdes.accounts.services import api_token_create
        from kujdes.people.models import RetentionDue, RetentionRule
        from kujdes.people.services import person_create, person_file_store

        with system_scope():
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Arta", family_name="Kola"
            )
            cls.person_file = person_file_store(
                actor=cls.alice,
                person=cls.person,
                kind="document",
                upload=SimpleUploadedFile("n.pdf", b"%PDF-1.7 x"),
            )
            rule = RetentionRule.objects.create(organisation=cls.org, record_type="person", keep_for_days=365)
            cls.due = RetentionDue.objects.create(
                organisation=cls.org, person=cls.person, rule=rule, due_since="2026-01-01"
            )
            cls.alice_token, _plaintext = api_token_create(user=cls.alice, name="sync", expires_days=None)
            cls.alice_membership = Membership.objects.get(user=cls.alice)
        cls.alice_authenticator_pk = Authenticator.objects.get(user=cls.alice).pk
        for module in _app_route_modules():
            if hasattr(module, "fixtures"):
                with system_scope():
                    module.fixtures(cls)

    def _response(self, route: Route, name: str, actor: str | None):  # type: ignore[no-untyped-def]
        url = reverse(name, kwargs=route.kwargs(self))
        with transaction.atomic():
            self.client.logout()
            if actor is not None:
                self.login(getattr(self, actor))
            if route.json:
                body, content_type = json.dumps(route.data), "application/json"
            else:
                body, content_type = _encode(route.data), "application/x-www-form-urlencoded"
            response = self.client.generic(route.method, url, data=body, content_type=content_type)
            transaction.set_rollback(True)
        return response

    def answers_check(self, shard: int) -> None:
        """Every route of this shard answers every actor (and the anonymous visitor) as ROUTES expects."""
        for index, (name, route) in enumerate(ROUTES.items()):
            if index % ANSWER_SHARDS != shard:
                continue
            for actor in (None, *SIGNED_IN):
                expected = route.anonymous if actor is None else route.expect.get(actor, route.others)
                with self.subTest(route=name, actor=actor or "anonymous"):
                    response = self._response(route, name, actor)
                    status = response.status_code
                    self.assertIn(status, expected, f"{name} as {actor or 'anonymous'} answered {status}")
                    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
                        title = re.search(rb"<title>(.*?)</title>", response.content, re.DOTALL)
                        self.assertIsNotNone(title, f"{name} has no <title>")
                        self.assertNotIn(b"<", title.group(1), f"{name} has markup in its <title>")


class RouteMatrixTests(RouteWorld):
    def test_every_route_has_an_expectation(self) -> None:
        missing = sorted(set(url_names(get_resolver().url_patterns)) - set(ROUTES))
        self.assertEqual(missing, [], "routes without an expectation in ROUTES")

    def test_no_expectation_names_a_route_that_is_gone(self) -> None:
        gone = sorted(set(ROUTES) - set(url_names(get_resolver().url_patterns)))
        self.assertEqual(gone, [])

    def test_every_route_answers_every_actor_as_expected(self) -> None:
        self.answers_check(0)

    def test_every_shard_has_its_test_file(self) -> None:
        import importlib

        for shard in range(1, ANSWER_SHARDS):
            module = importlib.import_module(f"kujdes.core.tests.test_route_matrix_shard{shard}")
            self.assertTrue(hasattr(module, f"RouteAnswersShard{shard}Tests"))

    def test_the_network_coordinator_reaches_no_personal_record(self) -> None:
        """Every route of the rooms that hold persons, cases, participants and volunteers, page or API,
        answers the coordinator 403 or 404 (405 for a method the route lacks), whatever ROUTES expects of it
        (DESIGN.md §2)."""
        personal = [name for name in ROUTES if _view_module(name).startswith(PERSONAL_ROOMS)]
        pages = [name for name in personal if not name.startswith("api:")]
        self.assertGreater(len(pages), 50)
        self.assertGreater(len(personal) - len(pages), 30)
        for name in personal:
            route = ROUTES[name]
            for method in {route.method, "GET"}:
                with self.subTest(route=name, method=method):
                    response = self._response(replace(route, method=method), name, "coordinator")
                    status = response.status_code
                    if status == 422 and route.others == {422}:
                        # The matrix posts a malformed body on purpose: it is refused before any role check,
                        # with the validation errors only.
                        self.assertEqual(set(response.json()), {"detail"})
                        continue
                    self.assertIn(
                        status, {403, 404, 405}, f"{name} ({method}) answered the coordinator {status}"
                    )

    def test_foreign_objects_answer_exactly_like_missing_ones(self) -> None:
        import uuid

        self.login(self.dave)
        foreign = self.client.get(reverse("api:units_get", kwargs={"unit_id": self.diocese_a.public_id}))
        missing = self.client.get(reverse("api:units_get", kwargs={"unit_id": uuid.uuid4()}))
        self.assertEqual((foreign.status_code, foreign.content), (missing.status_code, missing.content))
        self.login(self.other_admin)
        foreign = self.client.get(reverse("user_detail", kwargs={"public_id": self.alice.public_id}))
        missing = self.client.get(reverse("user_detail", kwargs={"public_id": uuid.uuid4()}))
        self.assertEqual(foreign.status_code, 404)
        self.assertEqual(_without_csrf(foreign.content), _without_csrf(missing.content))


# The rooms whose routes read or change persons, cases, screenings, referrals, participants, volunteers.
PERSONAL_ROOMS = (
    "kujdes.people",
    "kujdes.screening",
    "kujdes.cases",
    "kujdes.referrals",
    "kujdes.programme",
    "kujdes.imports",
)


def _callback_module(func: Any) -> str:
    func = getattr(func, "func", func)  # a functools.partial: the function it calls
    for cell in getattr(func, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations:
            return operations[0].view_func.__module__
    return getattr(func, "__module__", "")


def _view_module(name: str) -> str:
    """The module of the view behind a URL name (for an API route: of its operation's function)."""
    namespace, _sep, short = name.rpartition(":")
    for pattern in _patterns(get_resolver().url_patterns, None):
        pattern_namespace, url_pattern = pattern
        if url_pattern.name == short and (pattern_namespace or "") == namespace:
            return _callback_module(url_pattern.callback)
    return ""


def _patterns(patterns: list[Any], namespace: str | None) -> list[tuple[str | None, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            found.append((namespace, pattern))
    return found


def _encode(data: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


def _without_csrf(content: bytes) -> bytes:
    import re

    # The CSRF token, the CSP nonce and the language form's "next" (the URL itself) differ by design.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    content = re.sub(rb'nonce="[^"]+"', b"", content)
    return re.sub(rb'name="next" value="[^"]+"', b"", content)
