"""Command-line groups: ``flask accounts ...`` and ``flask demo``."""
from flask import Flask

from messaging.cli.accounts import accounts_group
from messaging.cli.demo import demo_command


def register_cli(app: Flask) -> None:
    app.cli.add_command(accounts_group)
    app.cli.add_command(demo_command)
