"""Everything that differs between SQLite and MySQL/MariaDB, in one place.

Queries elsewhere are written once, with `?` placeholders and `{type}` names in DDL;
the dialect turns them into what its driver and server accept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import pymysql

# What a database that is down, unreachable or misconfigured raises, in either driver.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, pymysql.MySQLError, OSError)


class Connection(Protocol):
    """The DB-API 2 subset both drivers share."""

    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Dialect:
    name: str
    insert_ignore: str  # the INSERT that skips rows whose primary key exists
    types: dict[str, str]  # DDL type names by role
    table_options: str = ""

    def sql(self, query: str) -> str:
        """`?` placeholders -> the driver's own (queries never contain a literal `?`)."""
        return query if self.name == "sqlite" else query.replace("?", "%s")

    def ddl(self, template: str, **tables: str) -> str:
        """Fill `{types}` and `{table names}` into a DDL template."""
        text = template.format(**self.types, **tables)
        if text.lstrip().upper().startswith("CREATE TABLE"):
            text += self.table_options
        return text


SQLITE = Dialect(
    name="sqlite",
    insert_ignore="INSERT OR IGNORE INTO",
    types={"id32": "TEXT", "str16": "TEXT", "str64": "TEXT", "str128": "TEXT",
           "str255": "TEXT", "str1024": "TEXT", "text": "TEXT", "int": "INTEGER",
           "bigint": "INTEGER", "double": "REAL", "timestamp": "TEXT", "blob": "BLOB"},
)

MYSQL = Dialect(
    name="mysql",
    insert_ignore="INSERT IGNORE INTO",
    types={"id32": "CHAR(32)", "str16": "VARCHAR(16)", "str64": "VARCHAR(64)",
           "str128": "VARCHAR(128)", "str255": "VARCHAR(255)", "str1024": "VARCHAR(1024)",
           "text": "TEXT", "int": "INT", "bigint": "BIGINT", "double": "DOUBLE",
           "timestamp": "DATETIME(6)", "blob": "LONGBLOB"},
    table_options=" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
)

# MySQL error numbers that mean "this index/column is already there": a migration that
# died between its DDL and its version row is safely re-run.
_MYSQL_ALREADY_EXISTS = {1050, 1060, 1061}


def is_already_exists(dialect: Dialect, exc: Exception) -> bool:
    if dialect.name == "mysql":
        return bool(exc.args) and exc.args[0] in _MYSQL_ALREADY_EXISTS
    return "already exists" in str(exc)


@dataclass(frozen=True)
class DatabaseUrl:
    """`sqlite:///relative/or//absolute/path` or `mysql://user:password@host:port/db`."""

    dialect: Dialect
    sqlite_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    database: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parts = urlparse(url)
        scheme = parts.scheme.split("+")[0]
        if scheme == "sqlite":
            # sqlite:///data/x.db -> data/x.db ; sqlite:////abs/x.db -> /abs/x.db
            if ":///" not in url:
                raise ValueError(f"DATABASE_URL {url}: write sqlite:///path/to/file.sqlite3")
            return cls(SQLITE, sqlite_path=Path(url.split(":///", 1)[1]))
        if scheme in ("mysql", "mariadb"):
            database = parts.path.lstrip("/")
            if not database:
                raise ValueError(f"DATABASE_URL {redact(url)} names no database (…/dbname)")
            return cls(
                MYSQL,
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 3306,
                user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""),
                database=database,
            )
        raise ValueError(
            f"DATABASE_URL {redact(url)}: unsupported scheme {parts.scheme!r}; use "
            "sqlite:///path or mysql://user:password@host:port/database"
        )

    def connect(self, timeout_s: float) -> Connection:
        if self.sqlite_path is not None:
            return sqlite3.connect(self.sqlite_path, timeout=timeout_s, check_same_thread=False)
        return pymysql.connect(
            host=self.host, port=self.port, user=self.user, password=self.password,
            database=self.database, charset="utf8mb4", autocommit=False,
            connect_timeout=max(1, round(timeout_s)), read_timeout=max(1, round(timeout_s)),
            write_timeout=max(1, round(timeout_s)),
        )

    def describe(self) -> str:
        if self.sqlite_path is not None:
            return f"sqlite {self.sqlite_path}"
        return f"mysql {self.user}@{self.host}:{self.port}/{self.database}"


def redact(url: str) -> str:
    """The URL with its password replaced, for messages and logs."""
    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
