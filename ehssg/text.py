"""Text helpers shared by the apps: readable ASCII slugs from titles in any script.

Django's ``slugify`` keeps only what Unicode decomposes into ASCII, so it drops every letter that is not an accented
Latin one: "Ædmissions" loses its Æ, and a title in Greek, Cyrillic or Chinese becomes an empty slug. We transliterate
letters first with anyascii (ISC licence, no dependencies; unidecode does the same job but is GPL, which would bind the
whole platform's licence), so "Résumé of Ædmissions — Ōsaka" gives ``resume-of-aedmissions-osaka``.

Only letters and marks are transliterated; symbols and punctuation go to ``slugify`` as before, which drops them:
anyascii would spell "£9.90" as "GBP9.90" and an emoji as ":hospital:", which reads worse in an address than nothing.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii
from django.utils.text import slugify


def transliterate(text: str) -> str:
    """Every non-ASCII letter (and combining mark) of ``text`` spelled in ASCII; everything else as it was."""
    return "".join(
        anyascii(char) if not char.isascii() and unicodedata.category(char)[0] in "LM" else char for char in text
    )


def readable_slug(text: str) -> str:
    """A slug (lower-case ASCII letters, digits and hyphens) that keeps the words of a title in any script."""
    return slugify(transliterate(text))
