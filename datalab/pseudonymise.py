"""Keyed pseudonyms (HMAC-SHA256) of NHS numbers and of the fallback key: date of birth + sex + postcode.

The key is read when a caller asks for it (never at import time) from DATALAB_PSEUDONYM_KEY, or from the secrets file
named by DATALAB_PSEUDONYM_KEY_FILE. With neither, the embedded default settings name a development key file under var/
(created with mode 0600, announced in a log line without the key); production has no default and raises
PseudonymKeyMissing. The key is never stored in the database and never logged; nor are the identifiers.

A pseudonym is the first 128 bits of the HMAC in hex: collisions are out of reach at national scale and the Parquet
columns stay half the size.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
from datetime import date
from pathlib import Path

import nhs_number
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import messages

log = logging.getLogger(__name__)

KEY_ENV = "DATALAB_PSEUDONYM_KEY"
KEY_FILE_ENV = "DATALAB_PSEUDONYM_KEY_FILE"
MIN_KEY_LENGTH = 32
PSEUDONYM_HEX = 32
SEXES = {"1": "1", "2": "2", "M": "1", "F": "2", "MALE": "1", "FEMALE": "2"}  # HES SEX: 1 male, 2 female
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


class PseudonymKeyMissing(ImproperlyConfigured):
    pass


def load_key() -> bytes:
    """The key, read now from the environment or the secrets file (or the development file where settings allow)."""
    value = os.environ.get(KEY_ENV, "")
    if not value and os.environ.get(KEY_FILE_ENV):
        value = _read_key_file(Path(os.environ[KEY_FILE_ENV]))
    if not value:
        development = getattr(settings, "DATALAB_DEVELOPMENT_KEY_FILE", None)
        if development is None:
            raise PseudonymKeyMissing(messages.KEY_MISSING)
        value = _development_key(Path(development))
    if len(value) < MIN_KEY_LENGTH:
        raise PseudonymKeyMissing(messages.KEY_TOO_SHORT)
    return value.encode()


def _read_key_file(path: Path) -> str:
    try:
        value = path.read_text().strip()
    except OSError as error:
        raise PseudonymKeyMissing(messages.KEY_FILE_UNREADABLE) from error
    if not value:
        raise PseudonymKeyMissing(messages.KEY_FILE_UNREADABLE)
    return value


def _development_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    log.warning("%s: %s", messages.DEVELOPMENT_KEY_IN_USE, path)
    return _read_key_file(path)


def normalise_nhs_number(value: object) -> str | None:
    """Ten digits with a valid modulus 11 check digit (spaces and hyphens allowed), else None."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if len(text) != 10 or not text.isdigit() or not nhs_number.is_valid(text):
        return None
    return text


def normalise_postcode(value: object) -> str | None:
    text = re.sub(r"\s", "", str(value or "")).upper()
    return text if _POSTCODE.match(text) else None


def normalise_sex(value: object) -> str | None:
    return SEXES.get(str(value or "").strip().upper())


def pseudonym(key: bytes, message: str) -> str:
    return hmac.digest(key, message.encode(), "sha256").hex()[:PSEUDONYM_HEX]


def nhs_pseudonym(key: bytes, normalised_nhs_number: str) -> str:
    return pseudonym(key, "nhs:" + normalised_nhs_number)


def fallback_pseudonym(key: bytes, date_of_birth: date, sex: str, normalised_postcode: str) -> str:
    return pseudonym(key, f"fallback:{date_of_birth.isoformat()}|{sex}|{normalised_postcode}")
