from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kujdes.accounts.models import User
from kujdes.accounts.services import api_token_create
from kujdes.core.scoping import system_scope


class Command(BaseCommand):
    help = "Create an API token for a user and print it once. It acts with the user's roles."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="API token", help="a label to tell tokens apart")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="days until it expires (default: never)"
        )

    def handle(self, *args: Any, username: str, name: str, expires_days: int | None, **options: Any) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        try:
            with system_scope():
                token, plaintext = api_token_create(user=user, name=name, expires_days=expires_days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(f"Token {token.name!r} for {user.username}; it is shown only this once:")
        self.stdout.write(plaintext)
