"""Database locations: a SQLite file path (or ``sqlite:///`` URL) or a ``postgresql://`` URL.

:func:`parse_url` tells the two apart, checks the URL's shape, and gives a
form for messages without the password (:attr:`DatabaseURL.display`).
"""

from __future__ import annotations

import os
import re
import urllib.parse

import attrs

from iaas.errors import DatabaseError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

_SQLITE_PREFIX = "sqlite:///"
#: Schemes taken for PostgreSQL; the ``+driver`` forms are those of SQLAlchemy URLs.
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")
_MASK = "***"
#: The environment variable naming a database for every stack's state and the cloud's inventory (a team's URL).
DATABASE_ENV = "IAAS_DATABASE_URL"


@attrs.frozen
class DatabaseURL:
    """Where a database lives, parsed.

    ``dialect`` is ``"sqlite"`` or ``"postgresql"``; ``path`` the SQLite file;
    ``conninfo`` the URL to hand to libpq (with its password, never to print);
    ``display`` the location for messages (password masked).
    """

    dialect: str
    display: str
    path: str | None = None
    conninfo: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)

    @property
    def is_postgres(self) -> bool:
        """True for a PostgreSQL URL."""
        return self.dialect == POSTGRESQL

    def redact(self, text: str) -> str:
        """Return ``text`` with this URL's password (raw or percent-encoded) masked."""
        return redact(text, self.conninfo, self.password)


def is_postgres_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` names a PostgreSQL database (by its scheme)."""
    text = os.fspath(location)
    return isinstance(text, str) and text.split("://", 1)[0].lower() in _POSTGRES_SCHEMES and "://" in text


def parse_url(location: str | os.PathLike[str]) -> DatabaseURL:
    """Parse a database location; raise :class:`DatabaseError` naming what is wrong (never the password)."""
    text = os.fspath(location)
    if not isinstance(text, str) or not text.strip():
        raise DatabaseError("a database location must be a non-empty path or URL")
    if is_postgres_url(text):
        return _parse_postgres(text)
    lowered = text.lower()
    if lowered.startswith("sqlite:"):
        if not lowered.startswith(_SQLITE_PREFIX) or len(text) == len(_SQLITE_PREFIX):
            raise DatabaseError(
                f"invalid SQLite URL {text!r}: expected sqlite:///relative/path or sqlite:////absolute/path"
            )
        path = text[len(_SQLITE_PREFIX) :]
        return DatabaseURL(dialect=SQLITE, display=path, path=path)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise DatabaseError(
            f"unknown database scheme {scheme!r} in {mask_password(text)!r}: "
            "use a file path, sqlite:///path or postgresql://user@host/database"
        )
    return DatabaseURL(dialect=SQLITE, display=text, path=text)


def _parse_postgres(text: str) -> DatabaseURL:
    scheme, rest = text.split("://", 1)
    url = "postgresql://" + rest
    password = _password_of(url)
    display = mask_password(url)
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # a port that is not a number raises ValueError here
    except ValueError as exc:
        raise DatabaseError(f"malformed database URL {display}: {redact(str(exc), url, password)}") from None
    if port is not None and not 0 < port < 65536:
        raise DatabaseError(f"malformed database URL {display}: port {port} is out of range")
    if parts.fragment:
        raise DatabaseError(f"malformed database URL {display}: a fragment (#...) has no meaning here")
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    password = password or next(iter(query.get("password", [])), None)
    for key, values in query.items():
        if len(values) > 1:
            raise DatabaseError(f"malformed database URL {display}: parameter {key!r} is given twice")
    if not parts.hostname and "host" not in query:
        raise DatabaseError(
            f"malformed database URL {display}: no host; give one (postgresql://user@host/db) "
            "or a socket directory (postgresql://user@/db?host=/path)"
        )
    return DatabaseURL(dialect=POSTGRESQL, display=display, conninfo=url, password=password)


_USERINFO = re.compile(r"^(?P<scheme>[^:/]+://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def _password_of(url: str) -> str | None:
    match = _USERINFO.match(url)
    return urllib.parse.unquote(match["password"]) if match else None


def mask_password(url: str) -> str:
    """Return ``url`` with the password of its user part and of a ``password=`` parameter masked."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{_MASK}@", url, count=1)
    return _QUERY_PASSWORD.sub(lambda m: m.group(1) + _MASK, masked)


def redact(text: str, url: str | None, password: str | None) -> str:
    """Mask in ``text`` the URL (with its password) and the password itself, raw and percent-encoded."""
    if url:
        text = text.replace(url, mask_password(url))
    if password:
        for form in {password, urllib.parse.quote(password, safe=""), urllib.parse.quote(password)}:
            text = text.replace(form, _MASK)
        match = _USERINFO.match(url or "")
        if match and match["password"]:
            text = text.replace(match["password"], _MASK)
    return text
