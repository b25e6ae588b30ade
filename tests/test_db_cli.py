"""``switchboard db upgrade`` brings a database to the newest schema and says from where to
where; ``switchboard db current`` tells whether an upgrade is due (exit 2)."""

from __future__ import annotations

from sqlalchemy import inspect
from typer.testing import CliRunner

from cti.cli import app
from cti.db import make_engine, schema_revisions

runner = CliRunner()


def _run(db_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"SWITCHBOARD_DATABASE_URL": db_url})
    return result.exit_code, result.output


def test_db_upgrade_migrates_an_empty_database_to_the_head_and_then_has_nothing_to_do(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        _, head = schema_revisions(engine)
        assert head is not None
        assert _run(db_url, "db", "current") == (2, f"current none  head {head}\n")
        code, output = _run(db_url, "db", "upgrade")
        assert code == 0, output
        assert output.rstrip().endswith(f": empty -> {head}"), output
        assert schema_revisions(engine) == (head, head)
        assert {"audit_log", "agents", "interactions"} <= set(inspect(engine).get_table_names())
        code, output = _run(db_url, "db", "upgrade")
        assert code == 0 and f"already at revision {head}" in output
        assert _run(db_url, "db", "current") == (0, f"current {head}  head {head}\n")
    finally:
        engine.dispose()


def test_db_upgrade_on_an_unreachable_database_says_so_in_one_line() -> None:
    url = "postgresql://switchboard:secret-pw@127.0.0.1:1/none?connect_timeout=1"
    code, output = _run(url, "db", "upgrade")
    assert code == 1
    assert output.startswith("error:") and "secret-pw" not in output
