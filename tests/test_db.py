"""Engines, migrations and the reachability check in ``cti.db``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import alembic.script
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import acd.models
import cti.audit.models
import cti.auth.models
import cti.crm.models
import dialer.models
import ivr.models
from cti.crm.calllog import CallLog, InteractionRecord
from cti.db import (
    Base,
    DatabaseUnavailable,
    alembic_config,
    check_database,
    make_engine,
    make_session_factory,
    masked,
    migrate,
)

TABLES = {
    "customers",
    "customer_phones",
    "interactions",
    "agents",
    "agent_skills",
    "queues",
    "skills",
    "queue_intervals",
    "ivr_flows",
    "ivr_flow_versions",
    "ivr_sessions",
    "login_failures",
    "dialer_campaigns",
    "dialer_leads",
    "dialer_dnc",
    "dialer_attempts",
    "crm_outbox",
    "crm_erasures",
    "audit_log",
}
#: Each feature's models module, and the tables it owns on the shared ``Base``.
OWNERS = {
    acd.models: {"queues", "skills", "queue_intervals"},
    cti.auth.models: {"login_failures"},
    cti.crm.models: {
        "customers",
        "customer_phones",
        "interactions",
        "agents",
        "agent_skills",
        "crm_outbox",
        "crm_erasures",
    },
    ivr.models: {"ivr_flows", "ivr_flow_versions", "ivr_sessions"},
    dialer.models: {"dialer_campaigns", "dialer_leads", "dialer_dnc", "dialer_attempts"},
    cti.audit.models: {"audit_log"},
}
ALEMBIC_INI = Path(__file__).parents[1] / "cti" / "migrations" / "alembic.ini"


def test_migrations_create_the_schema(db_url: str) -> None:
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        assert TABLES | {"alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            head = alembic.script.ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
    finally:
        engine.dispose()


def test_each_feature_owns_its_tables_on_the_one_base() -> None:
    owners: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        owners.setdefault(mapper.class_.__module__, set()).add(mapper.local_table.name)
    assert owners == {module.__name__: tables for module, tables in OWNERS.items()}
    assert set(Base.metadata.tables) == TABLES


def test_autogenerate_against_a_freshly_migrated_database_finds_no_difference(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_alembic_check_run_by_hand_sees_every_feature_and_no_difference(db_url: str) -> None:
    """``alembic check`` in a fresh interpreter: what ``cti/migrations/env.py`` imports is
    all the metadata autogenerate gets, so a feature it forgot shows as tables to drop."""
    migrate(db_url)
    environment = {**os.environ, "SWITCHBOARD_DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def test_migrating_an_up_to_date_database_again_changes_nothing(sqlite_url: str) -> None:
    migrate(sqlite_url)
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_initial_migration_downgrades_to_an_empty_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_a_sqlite_file_database_gets_its_folder_foreign_keys_and_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/not/yet/there/switchboard.db")
    try:
        assert (tmp_path / "not" / "yet" / "there").is_dir()
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_database_is_one_database_for_every_session() -> None:
    engine = make_engine("sqlite:///:memory:")
    try:
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_a_postgres_url_is_sent_to_psycopg_3(scheme: str) -> None:
    engine = make_engine(f"{scheme}://sb:secret@db.example:5432/switchboard")
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_a_masked_url_hides_the_password() -> None:
    shown = masked("postgresql://sb:s3cret@db.example/switchboard")
    assert shown == "postgresql+psycopg://sb:***@db.example/switchboard"


def test_check_database_passes_on_a_reachable_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        check_database(engine)
    finally:
        engine.dispose()


def test_an_unreachable_postgres_gives_one_line_naming_the_url_without_the_password() -> None:
    engine = make_engine("postgresql://switchboard:hunter2-secret@127.0.0.1:1/switchboard")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            check_database(engine)
    finally:
        engine.dispose()
    error = caught.value
    assert error.status == 503 and error.error_id == "database-unavailable"
    assert "\n" not in error.message
    assert "hunter2-secret" not in error.message
    assert "switchboard:***@127.0.0.1:1/switchboard" in error.message
    assert "refused" in error.message.lower()
    assert error.__cause__ is None and error.__suppress_context__


def test_an_unopenable_sqlite_file_gives_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-folder.db").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path}/a-folder.db")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            check_database(engine)
    finally:
        engine.dispose()
    assert "\n" not in caught.value.message
    assert "unable to open database file" in caught.value.message


def test_call_legs_logged_before_leg_keys_keep_their_row_under_a_key_of_their_own(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
            connection.execute(
                text(
                    "INSERT INTO interactions (call_id, leg, direction, offered_at, ivr_data,"
                    " rang_agents) VALUES ('c1', 0, 'inbound', :at, '{}', '[]')"
                ),
                {"at": datetime(2026, 3, 2, 14, 0, tzinfo=UTC)},
            )
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, leg_key FROM interactions")).all()
        assert [key for _, key in rows] == [f"row:{rows[0][0]}"]
        log = CallLog(make_session_factory(engine))
        log.record(InteractionRecord("c1", 0, "inbound", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)))
        assert [record.leg for record in log.get("c1")] == [0, 1]
    finally:
        engine.dispose()
