"""The tables of the cloud's inventory, version by version (the same on SQLite and PostgreSQL).

Each version's statements bring a database from the version before to it;
they use only what both engines accept.
"""

from __future__ import annotations

SCHEMA_VERSION = 4
#: An inventory older than this has its holdings (claims of names, addresses, attachments) filled in when opened.
HOLDINGS_SINCE = 3

#: Version -> the statements that bring a database from the version before to it.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS objects (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, stack TEXT,
            address TEXT, project TEXT, host TEXT, data TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS objects_kind_name ON objects(kind, name)",
        "CREATE INDEX IF NOT EXISTS objects_project ON objects(project)",
        "CREATE INDEX IF NOT EXISTS objects_stack ON objects(stack)",
    ),
    2: (
        """CREATE TABLE claims (
            scope TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL, label TEXT NOT NULL,
            PRIMARY KEY (scope, key))""",
        "CREATE INDEX claims_owner ON claims(owner)",
        """CREATE TABLE ranges (
            owner TEXT PRIMARY KEY, area TEXT NOT NULL, first_ip BIGINT NOT NULL, last_ip BIGINT NOT NULL,
            cidr TEXT NOT NULL, label TEXT NOT NULL)""",
        "CREATE INDEX ranges_area_first ON ranges(area, first_ip)",
        """CREATE TABLE listeners (
            owner TEXT PRIMARY KEY, area TEXT NOT NULL, protocol TEXT NOT NULL, port INTEGER NOT NULL,
            address TEXT NOT NULL, label TEXT NOT NULL, UNIQUE (area, protocol, port, address))""",
        """CREATE TABLE usage (
            scope TEXT NOT NULL, resource TEXT NOT NULL, used BIGINT NOT NULL, PRIMARY KEY (scope, resource))""",
        """CREATE TABLE consumptions (
            owner TEXT NOT NULL, scope TEXT NOT NULL, resource TEXT NOT NULL, amount BIGINT NOT NULL,
            PRIMARY KEY (owner, scope, resource))""",
        """CREATE TABLE reservations (
            owner TEXT PRIMARY KEY, stack TEXT NOT NULL, address TEXT NOT NULL, label TEXT NOT NULL,
            since DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX reservations_resource ON reservations(stack, address)",
    ),
    # Names held once came after version 2: opening a version-2 database fills in its objects' name claims.
    3: ("CREATE INDEX IF NOT EXISTS objects_host ON objects(host)",),
    # The keys one owner holds in one scope (an instance's addresses), found without scanning the scope.
    4: (
        "CREATE INDEX IF NOT EXISTS claims_owner_scope ON claims(owner, scope, key)",
        "DROP INDEX IF EXISTS claims_owner",
    ),
}
