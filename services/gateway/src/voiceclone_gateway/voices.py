"""Stored voices: a speaker embedding under a name, owned by the API key that made it.

A voice belongs to one owner (the API key id; "" when the gateway runs without keys).
Every query is scoped by owner, so one key can neither see nor use another's voices:
asking for someone else's voice is the same 404 as asking for one that does not exist.
Names are unique per owner, compared case-insensitively (`name_key`), the same way on
SQLite and MySQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from voiceclone_common.errors import NotFound, ServiceError
from voiceclone_contracts.voices import Voice

from voiceclone_gateway.db import Connection, Database, utc_timestamp

ANONYMOUS_OWNER = ""
VOICE_ID_PREFIX = "voice_"


class VoiceNameTaken(ServiceError):
    status_code = 409
    error_type = "voice_exists"


@dataclass(frozen=True)
class StoredVoice:
    voice_id: str
    owner: str
    name: str
    created_at: datetime
    samples: int
    speech_seconds: float | None
    embed: list[float]

    def public(self, *, with_embed: bool = False) -> Voice:
        return Voice(id=self.voice_id, name=self.name, created_at=self.created_at,
                     samples=self.samples, speech_seconds=self.speech_seconds,
                     embed=self.embed if with_embed else None)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):  # pymysql returns DATETIME columns as datetime
        return value.replace(tzinfo=UTC)
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def _from_row(row: dict[str, Any]) -> StoredVoice:
    embed = np.frombuffer(bytes(row["embed"]), dtype="<f4").astype(np.float64)
    return StoredVoice(
        voice_id=row["voice_id"], owner=row["owner"], name=row["name"],
        created_at=_when(row["created_at"]), samples=int(row["samples"]),
        speech_seconds=None if row["speech_s"] is None else float(row["speech_s"]),
        embed=[round(float(x), 7) for x in embed],
    )


class VoiceStore:
    """Voices in the gateway's database; every method runs its SQL in a worker thread."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db.tables["voices"]

    def _execute(self, conn: Connection, sql: str, params: tuple[Any, ...]) -> int:
        cursor = conn.cursor()
        try:
            cursor.execute(self.db.dialect.sql(sql), params)
            count = cursor.rowcount
        finally:
            cursor.close()
        conn.commit()
        return int(count)

    async def create(self, owner: str, name: str, embed: list[float], *, samples: int,
                     speech_seconds: float | None) -> StoredVoice:
        name = " ".join(name.split())
        voice = StoredVoice(
            voice_id=VOICE_ID_PREFIX + uuid.uuid4().hex[:24], owner=owner, name=name,
            created_at=datetime.now(UTC), samples=samples, speech_seconds=speech_seconds,
            embed=list(embed),
        )
        blob = np.asarray(embed, dtype="<f4").tobytes()

        def insert(conn: Connection) -> None:
            taken = self.db.query(
                conn, f"SELECT voice_id FROM {self.table} WHERE owner = ? AND name_key = ?",
                (owner, _name_key(name)),
            )
            if taken:
                raise VoiceNameTaken(
                    f"you already have a voice named {name!r} ({taken[0]['voice_id']}); "
                    "pick another name or delete that voice first"
                )
            self._execute(
                conn,
                f"INSERT INTO {self.table} (voice_id, owner, name, name_key, created_at, "
                "samples, speech_s, embed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (voice.voice_id, owner, name, _name_key(name), utc_timestamp(voice.created_at),
                 samples, speech_seconds, blob),
            )

        await self.db.run(insert)
        return voice

    async def list(self, owner: str) -> list[StoredVoice]:
        rows = await self.db.run(lambda conn: self.db.query(
            conn, f"SELECT * FROM {self.table} WHERE owner = ? ORDER BY created_at, name",
            (owner,),
        ))
        return [_from_row(row) for row in rows]

    async def find(self, owner: str, id_or_name: str) -> StoredVoice | None:
        """The owner's voice with this id, else with this name (case-insensitive)."""

        def select(conn: Connection) -> list[dict[str, Any]]:
            rows = self.db.query(
                conn, f"SELECT * FROM {self.table} WHERE owner = ? AND voice_id = ?",
                (owner, id_or_name),
            )
            return rows or self.db.query(
                conn, f"SELECT * FROM {self.table} WHERE owner = ? AND name_key = ?",
                (owner, _name_key(id_or_name)),
            )

        rows = await self.db.run(select)
        return _from_row(rows[0]) if rows else None

    async def get(self, owner: str, id_or_name: str) -> StoredVoice:
        voice = await self.find(owner, id_or_name)
        if voice is None:
            raise NotFound(
                f"no stored voice {id_or_name!r} for this API key; list yours with "
                "GET /v1/voices, or create one with POST /v1/voices"
            )
        return voice

    async def delete(self, owner: str, id_or_name: str) -> StoredVoice:
        voice = await self.get(owner, id_or_name)
        await self.db.run(lambda conn: self._execute(
            conn, f"DELETE FROM {self.table} WHERE owner = ? AND voice_id = ?",
            (owner, voice.voice_id),
        ))
        return voice

