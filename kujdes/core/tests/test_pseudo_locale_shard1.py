"""Shard 1 of the pseudo-language pages (see test_pseudo_locale.py): a file of its own, so that a parallel
run gives it to another worker."""

from __future__ import annotations

from kujdes.core.tests import test_pseudo_locale as pseudo_locale


class PseudoLocaleShard1Tests(pseudo_locale.PseudoLocaleWorld):
    def test_no_page_shows_untranslated_english(self) -> None:
        self.pages_check(1)
