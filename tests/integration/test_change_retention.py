"""CHANGES_RETENTION_DAYS: the CLI command prunes on any database, and PostgreSQL's workers run it
as a daily periodic task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from procrastinate import testing

from src.application.changes import SYSTEM, Action, Change, ChangeQuery
from src.bootstrap import create_app, engine_of
from src.infrastructure.database import create_session_factory
from src.infrastructure.job_queue import PRUNE_CHANGES_TASK, build_job_app
from src.infrastructure.settings import Settings
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from src.web.inventory import inventory
from tests.conftest import FAST_PASSWORD_HASH


def record_changes_aged(app: Flask, *days_ago: int) -> None:
    now = datetime.now(UTC)
    sessions = create_session_factory(engine_of(app))
    with SqlAlchemyUnitOfWork(sessions) as uow:
        for days in days_ago:
            uow.changes.add(Change(now - timedelta(days=days), SYSTEM, Action.PATCH, 1, "+5584912344321"))
        uow.commit()


def ages(app: Flask) -> list[int]:
    now = datetime.now(UTC)
    with app.app_context():
        page = inventory().list_changes(ChangeQuery(), per_page=100)
    return sorted((now - change.at).days for change in page.items)


def test_the_command_prunes_past_the_days_given(app: Flask, runner: FlaskCliRunner) -> None:
    record_changes_aged(app, 1, 29, 31, 400)
    result = runner.invoke(args=["prune-changes", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "pruned 2 changes older than 30 days" in result.output
    assert ages(app) == [1, 29]


def test_the_history_is_kept_forever_by_default(app: Flask, runner: FlaskCliRunner) -> None:
    record_changes_aged(app, 4000)
    result = runner.invoke(args=["prune-changes"])
    assert result.exit_code == 0
    assert "nothing pruned" in result.output
    assert ages(app) == [4000]


def test_a_negative_number_of_days_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    record_changes_aged(app, 40)
    result = runner.invoke(args=["prune-changes", "--days", "-1"])
    assert result.exit_code == 2
    assert "--days" in result.output
    assert ages(app) == [40]


def test_the_setting_is_the_commands_default(database_url: str) -> None:
    app = create_app(
        Settings(database_url=database_url, password_hash_method=FAST_PASSWORD_HASH, changes_retention_days=7)
    )
    try:
        record_changes_aged(app, 3, 8)
        assert (
            "pruned 1 changes older than 7 days"
            in app.test_cli_runner().invoke(args=["prune-changes"]).output
        )
        assert ages(app) == [3]
    finally:
        with app.app_context():
            inventory().dispose()


def test_workers_prune_daily() -> None:
    pruned: list[int] = []
    app = build_job_app(
        testing.InMemoryConnector(), lambda job_id: None, prune_changes=lambda: pruned.append(1) or 1
    )
    assert (PRUNE_CHANGES_TASK, "daily") in app.periodic_registry.periodic_tasks
    app.tasks[PRUNE_CHANGES_TASK](timestamp=0)
    assert pruned == [1]
