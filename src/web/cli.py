"""Flask CLI commands: `flask --app src.bootstrap seed`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from src.application.create_user import NewUser
from src.web.inventory import inventory

DEMO_SIZE = 800


@click.command("seed")
@click.option(
    "--count", default=DEMO_SIZE, show_default=True, help="How many demo numbers to make sure exist."
)
@with_appcontext
def seed_command(count: int) -> None:
    """Load a demo inventory of valid numbers from ten countries; running it again adds nothing."""
    added = inventory().seed_demo(count)
    click.echo(f"seeded {added} new numbers ({count - added} were already there)")


@click.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once by this process.")
@click.option(
    "--heartbeat-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Touched every 10 s while the database answers (the container's health check reads it); "
    "by default /tmp/number-inventory-worker.alive.",
)
@with_appcontext
def worker_command(concurrency: int, heartbeat_file: Path | None) -> None:
    """Run the jobs of large imports (PostgreSQL only) until stopped (SIGTERM/SIGINT: the job in
    hand is finished first). Start as many as you like, on any machine that reaches the database.
    It also prunes the change history past CHANGES_RETENTION_DAYS, daily."""
    run_worker = inventory().run_worker
    if run_worker is None:
        raise click.ClickException("import jobs need PostgreSQL: on SQLite every import runs in its request")
    run_worker(concurrency, heartbeat_file)


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete expired and revoked tokens and ended login-attempt windows. On PostgreSQL the workers
    do it every quarter of an hour; on SQLite the app does it when it starts, or run this."""
    purged = inventory().purge_stale_records()
    click.echo(f"purged {purged.tokens} tokens and {purged.login_attempt_windows} login-attempt windows")


@click.group("users")
def users_group() -> None:
    """Manage user accounts from the command line."""


@users_group.command("create")
@click.option("--email", required=True, help="The user's email address.")
@click.option("--role", type=click.Choice(["admin", "supervisor", "viewer"]), required=True)
@with_appcontext
def create_user_command(email: str, role: str) -> None:
    """Create a user. The password is asked for (or read from standard input), never an argument."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = inventory().create_user(NewUser(email, password, role))
    click.echo(f"created {user.role.value} {user.email} (id {user.id})")


@click.command("prune-changes")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep this many days, 0 for all (default: CHANGES_RETENTION_DAYS).",
)
@with_appcontext
def prune_changes_command(days: int | None) -> None:
    """Forget the change history older than the retention (CHANGES_RETENTION_DAYS; 0 keeps all)."""
    served = inventory()
    keep = served.settings.changes_retention_days if days is None else days
    if keep <= 0:
        source = "--days" if days is not None else "CHANGES_RETENTION_DAYS"
        click.echo(f"the change history is kept forever ({source} is 0): nothing pruned")
        return
    click.echo(f"pruned {served.prune_changes(keep)} changes older than {keep} days")


def register_commands(app: Flask) -> None:
    app.cli.add_command(prune_changes_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(users_group)
