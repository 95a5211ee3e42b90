"""The schema, as an ordered list of versioned migrations.

To add a table (e.g. stored voices), append a `Migration` with the next version; never
edit one that has shipped. DDL uses `{type}` roles from the dialect and `{table}` names
that get the configured prefix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="request log: one row per request to the gateway",
        statements=(
            """CREATE TABLE IF NOT EXISTS {request_log} (
                row_id {id32} NOT NULL PRIMARY KEY,
                request_id {str128} NOT NULL,
                created_at {timestamp} NOT NULL,
                method {str16} NOT NULL,
                route {str255} NOT NULL,
                path {str1024} NOT NULL,
                status {int} NOT NULL,
                error_type {str64},
                client_addr {str64},
                api_key_id {str64},
                total_ms {double} NOT NULL,
                encoder_ms {double},
                synthesizer_ms {double},
                synthesizer_model_ms {double},
                vocoder_ms {double},
                input_audio_s {double},
                text_chars {int},
                output_audio_s {double},
                bytes_in {bigint} NOT NULL,
                bytes_out {bigint} NOT NULL,
                text {text}
            )""",
            "CREATE INDEX {request_log}_created_at ON {request_log} (created_at)",
            "CREATE INDEX {request_log}_request_id ON {request_log} (request_id)",
            "CREATE INDEX {request_log}_api_key ON {request_log} (api_key_id, created_at)",
        ),
    ),
    Migration(
        version=2,
        description="stored voices: a speaker embedding under a name, per API key",
        statements=(
            """CREATE TABLE IF NOT EXISTS {voices} (
                voice_id {str64} NOT NULL PRIMARY KEY,
                owner {str64} NOT NULL,
                name {str128} NOT NULL,
                name_key {str128} NOT NULL,
                created_at {timestamp} NOT NULL,
                samples {int} NOT NULL,
                speech_s {double},
                embed {blob} NOT NULL
            )""",
            "CREATE UNIQUE INDEX {voices}_owner_name ON {voices} (owner, name_key)",
        ),
    ),
    Migration(
        version=3,
        description="request log: the self-check's similarity of result and reference",
        statements=("ALTER TABLE {request_log} ADD COLUMN similarity {double}",),
    ),
)

# Every table name the migrations use; each gets the configured prefix.
TABLES = ("request_log", "schema_migrations", "voices")
