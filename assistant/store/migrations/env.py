"""Alembic environment: runs on the connection the store passes in (``config.attributes["connection"]``).

To write a new migration: change ``assistant/store/db.py``, then see docs/records.md ("Migrations").
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from assistant.store.db import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("run migrations through assistant.store (it passes a connection) or set sqlalchemy.url")
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
