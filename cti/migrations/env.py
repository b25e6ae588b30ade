"""Alembic environment for Switchboard.

``cti.db.migrate`` passes an open connection in ``config.attributes["connection"]``. Run by
hand (``alembic -c cti/migrations/alembic.ini ...``) it connects to ``sqlalchemy.url`` if
set, else to the database named by the Switchboard settings. SQLite gets batch mode, so
later revisions can alter tables there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

# Every feature's models, so that autogenerate sees every table on the one ``Base``.
from acd import models as acd_models  # noqa: F401
from cti.audit import models as audit_models  # noqa: F401
from cti.auth import models as auth_models  # noqa: F401
from cti.crm import models as crm_models  # noqa: F401
from cti.db import Base
from ivr import models as ivr_models  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from cti.settings import Settings

    return Settings.model_validate({}).database_url


def run_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from cti.db import make_engine

    engine = make_engine(_database_url())
    try:
        with engine.begin() as fresh:
            _configure(fresh)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
