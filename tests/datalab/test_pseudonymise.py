"""Keyed pseudonyms: stable with one key, different with another; the key read when needed, never logged."""

import logging
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from datalab import messages
from datalab.pseudonymise import PseudonymKeyMissing, load_key, nhs_pseudonym
from datalab.pseudonymise import fallback_pseudonym as fallback
from datalab.pseudonymise import normalise_nhs_number as nhs
from datalab.pseudonymise import normalise_postcode as postcode
from datalab.pseudonymise import normalise_sex as sex

ROOT = Path(__file__).resolve().parent.parent.parent
KEY_A = b"a" * 40
KEY_B = b"b" * 40


def test_a_pseudonym_is_stable_with_one_key_and_different_with_another():
    assert nhs_pseudonym(KEY_A, "9434765919") == nhs_pseudonym(KEY_A, "9434765919")
    assert nhs_pseudonym(KEY_A, "9434765919") != nhs_pseudonym(KEY_B, "9434765919")
    assert nhs_pseudonym(KEY_A, "9434765919") != nhs_pseudonym(KEY_A, "9434765870")
    born = date(1950, 1, 2)
    assert fallback(KEY_A, born, "1", "LS12AB") != fallback(KEY_B, born, "1", "LS12AB")
    assert len(nhs_pseudonym(KEY_A, "9434765919")) == 32 and "9434765919" not in nhs_pseudonym(KEY_A, "9434765919")


def test_nhs_numbers_are_checked_for_format_and_modulus_11():
    assert nhs("943 476 5919") == "9434765919"
    assert nhs("943-476-5919") == "9434765919"
    assert nhs("9434765918") is None  # wrong check digit
    assert nhs("94347659") is None
    assert nhs("943476591X") is None
    assert postcode(" ls1 2ab ") == "LS12AB" and postcode("not a postcode") is None
    assert sex("F") == "2" and sex("1") == "1" and sex("X") is None


def test_the_key_comes_from_the_environment_or_a_secrets_file_read_when_needed(monkeypatch, tmp_path):
    with pytest.raises(PseudonymKeyMissing, match="No pseudonymisation key is configured"):
        load_key()
    secrets_file = tmp_path / "key"
    secrets_file.write_text("f" * 40 + "\n")
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY_FILE", str(secrets_file))
    assert load_key() == b"f" * 40
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", "e" * 40)
    assert load_key() == b"e" * 40  # read again now: nothing cached at import
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", "short")
    with pytest.raises(PseudonymKeyMissing) as short:
        load_key()
    assert str(short.value) == messages.KEY_TOO_SHORT
    monkeypatch.delenv("DATALAB_PSEUDONYM_KEY")
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(PseudonymKeyMissing) as absent:
        load_key()
    assert str(absent.value) == messages.KEY_FILE_UNREADABLE


def test_the_development_default_is_a_private_file_announced_without_the_key(settings, tmp_path, caplog):
    settings.DATALAB_DEVELOPMENT_KEY_FILE = tmp_path / "var" / "dev.key"
    caplog.set_level(logging.DEBUG)
    key = load_key()
    assert stat.S_IMODE((tmp_path / "var" / "dev.key").stat().st_mode) == 0o600
    assert load_key() == key and len(key) == 64
    assert messages.DEVELOPMENT_KEY_IN_USE in caplog.text
    assert key.decode() not in caplog.text


def test_production_has_no_development_key_and_refuses_without_one(tmp_path):
    """Under the production settings, with no key configured: the clear error, and no key file created anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    env |= {"DJANGO_SETTINGS_MODULE": "ehssg.settings.production", "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@127.0.0.1/db", "SITE_URL": "https://calendar.ehssg.example"}  # fmt: skip
    code = ("import django; django.setup()\n"
            "from django.conf import settings; from datalab.pseudonymise import load_key\n"
            "assert settings.DATALAB_DEVELOPMENT_KEY_FILE is None\n"
            "load_key()\n")  # fmt: skip
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert f"PseudonymKeyMissing: {messages.KEY_MISSING}" in result.stderr
