"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.db import make_engine
from server.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # database_url is migrated to head (a copy of the migrated SQLite template, or the
    # PostgreSQL test database); autogenerate would write nothing for it.
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
