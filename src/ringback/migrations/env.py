"""Alembic environment: runs migrations with a synchronous engine on SQLite or PostgreSQL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from ringback.db import configure_sqlite, sqlite_path
from ringback.models import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

path = sqlite_path(url)
if path:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
engine = create_engine(url, poolclass=pool.NullPool)
if engine.dialect.name == "sqlite":
    configure_sqlite(engine)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
