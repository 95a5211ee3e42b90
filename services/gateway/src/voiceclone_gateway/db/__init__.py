"""The gateway's database (SQLite by default, MySQL/MariaDB via pymysql).

    dialect.py     SQLite/MySQL differences and DATABASE_URL parsing
    migrations.py  the versioned schema (append a Migration to add a table)
    database.py    Database: connections, migrate(), query(), run() in a thread
"""

from voiceclone_gateway.db.database import Database, utc_timestamp
from voiceclone_gateway.db.dialect import DATABASE_ERRORS, Connection, Dialect, redact

__all__ = ["DATABASE_ERRORS", "Connection", "Database", "Dialect", "redact", "utc_timestamp"]
