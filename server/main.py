"""The ``hangdoi-server`` command: Flask's command-line group over :func:`server.create_app`,
with an ``--instance`` option. The commands themselves are :mod:`server.cli`'s, which the
app registers."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup

from server import create_app
from server.cli import close_out_command, simulate_command


def _create_app() -> Flask:
    return create_app(instance_path=os.environ.get("HANGDOI_INSTANCE") or None)


def _set_instance(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        os.environ["HANGDOI_INSTANCE"] = str(Path(value).resolve())
    return value


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False, set_debug_flag=False
)
@click.option(
    "--instance",
    callback=_set_instance,
    expose_value=False,
    is_eager=True,
    help="Instance folder (SQLite database, secret key). Default: ./instance",
)
def main() -> None:
    """hangdoi server administration."""


# On the group itself, so that finding it does not make the app: close-out checks for the
# database first (see server.cli._require_database_file).
main.add_command(close_out_command)
# simulate, too: a scenario needs no database of the servers' (a replay does).
main.add_command(simulate_command)
