"""Flask CLI commands: `flask --app src.web.app seed`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from src.infrastructure.demo_data import demo_numbers
from src.web.inventory import inventory

DEMO_SIZE = 800


@click.command("seed")
@click.option(
    "--count", default=DEMO_SIZE, show_default=True, help="How many demo numbers to make sure exist."
)
@with_appcontext
def seed_command(count: int) -> None:
    """Load a demo inventory of valid numbers from ten countries; running it again adds nothing."""
    served = inventory()
    added = served.seed_numbers(demo_numbers(count, served.currencies.codes))
    click.echo(f"seeded {added} new numbers ({count - added} were already there)")


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
