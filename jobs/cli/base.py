"""What every `park` command shares: the Typer app, the console, the common options and how
the settings are loaded (a bad config is refused with where and why, exit code 2)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from jobs.common.config_errors import ConfigError

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="Energy and carbon platform for a zero-carbon industrial park (零碳园区).",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
console = Console()

ConfigDir = Annotated[Path | None, typer.Option(
    "--config-dir", help="Folder with park.yaml and register_maps/ (default: ./config or "
    "$PARK_CONFIG_DIR).")]
ParkFile = Annotated[str | None, typer.Option(
    "--park-file", help="Park file, inside the config folder unless absolute (default: park.yaml "
    "or $PARK_FILE).")]
DataRoot = Annotated[str | None, typer.Option(
    "--data-root", help="Landing zone and warehouse root: a path or fsspec URL (default: ./data "
    "or $PARK_DATA_ROOT).")]
Groups = Annotated[list[str] | None, typer.Option(
    "--group", "-g", help="Poll group(s) to harvest; repeat the option. Default: all.")]


def cli_settings(config_dir: Path | None, park_file: str | None = None,
              data_root: str | None = None):
    from jobs.common.settings import load_settings

    try:
        return load_settings(config_dir, data_root, park_file)
    except ConfigError as exc:
        # escape: rich would read "[...]" in a message (a pattern, a list) as markup and eat it
        console.print(f"[bold red]Config rejected[/]\n{escape(str(exc))}")
        raise typer.Exit(2) from exc


def parse_utc(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        console.print(f"[bold red]Rejected[/]\n{escape(str(exc))}")
        sys.exit(2)


