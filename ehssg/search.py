"""Keyword search that ignores accents and case, on PostgreSQL and on the embedded SQLite alike.

Someone looking for "cafe", "CAFÉ" or "Osaka" should find "Café" and "Ōsaka", and the other way round. Both sides of
the comparison go through one SQL function, ``unaccent()``, so words typed with or without accents meet in the middle.

- PostgreSQL: the ``unaccent`` extension (a contrib module shipped with PostgreSQL; trusted since PostgreSQL 13, so a
  database owner may create it). Migration ``ehssg 0001`` creates it where the database user is allowed to; where it
  is not (no privilege, or the contrib files missing) the migration warns and goes on, and search matches accents
  exactly until a superuser runs ``CREATE EXTENSION unaccent;`` (docs/deploy.md). Whether the function is there is
  read once per database connection, so search never fails for want of it.
- SQLite: a deterministic Python function of the same name, registered on every new connection. We chose it over a
  normalised search column kept by the services because one SQL expression then serves both databases (the same
  queryset, the same tests), nothing has to be backfilled or kept in step by imports, bulk writes and the admin, and
  the register's history gains no column that means nothing to a person. Its cost is one Python call per row and
  column searched, only when someone types keywords: ``manage.py benchmark calendar`` measures it.

The SQLite function removes what Unicode decomposes as marks (é, ō, ŵ, ç ...) and spells the Latin letters that do not
decompose as PostgreSQL's unaccent rules do (Æ as AE, ø as o, ß as ss, ł as l ...). It changes nothing else: letters of
other scripts stay as they are on both databases.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, TextField

logger = logging.getLogger(__name__)

UNACCENT_MISSING = (
    "PostgreSQL's unaccent extension could not be created ({error}). Keyword search will match accents exactly until "
    "a superuser runs CREATE EXTENSION unaccent; in this database."
)

# Latin letters Unicode does not decompose, spelled as in PostgreSQL's unaccent.rules.
LETTERS = str.maketrans(
    {
        "Æ": "AE", "æ": "ae", "Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ł": "L",
        "ł": "l", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Þ": "TH", "þ": "th", "ß": "ss",
        "ẞ": "SS", "Ŧ": "T", "ŧ": "t", "ƒ": "f",
    }
)  # fmt: skip

# Set on a connection when it is made: None until the first search asks whether unaccent() is there.
AVAILABLE = "ehssg_unaccent"


def unaccent(text: str | None) -> str | None:
    """The SQLite ``unaccent()``: marks removed, undecomposable Latin letters spelled out, nothing else changed."""
    if text is None or text.isascii():  # most titles: nothing to do, and this runs once per row searched
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(LETTERS)


class Unaccent(Func):
    """``unaccent(expression)``: PostgreSQL's extension, or the Python function on SQLite."""

    function = "UNACCENT"
    arity = 1
    output_field = TextField()


def connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On every new database connection: SQLite gets the function; PostgreSQL will be asked when it is first needed."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("unaccent", 1, unaccent, deterministic=True)
    setattr(connection, AVAILABLE, True if connection.vendor == "sqlite" else None)


def unaccent_available(connection: BaseDatabaseWrapper) -> bool:
    """Whether this connection's database has ``unaccent(text)``: always on SQLite, once the extension is there on
    PostgreSQL (read once per connection), never on other databases."""
    known = getattr(connection, AVAILABLE, None)
    if known is not None:
        return bool(known)
    found = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regprocedure('unaccent(text)') IS NOT NULL")
            found = bool(cursor.fetchone()[0])
    setattr(connection, AVAILABLE, found)
    return found


def unaccent_install(connection: BaseDatabaseWrapper) -> bool:
    """Create the unaccent extension if this PostgreSQL user may; otherwise log why and carry on. True if it is there.

    The attempt runs in a savepoint, so a refusal leaves the surrounding transaction (a migration's) usable.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError as error:
        logger.warning(UNACCENT_MISSING.format(error=str(error).strip().splitlines()[0]))
        setattr(connection, AVAILABLE, False)
        return False
    setattr(connection, AVAILABLE, None)
    return True
