"""The `paperbot` command line (interfaces.md): the operator's entry point.

Errors from the core become one line on stderr and a non-zero exit, never a traceback (with
`-v`, the traceback follows that line). Start-up is kept under a second: this package imports
only argparse at module level, and each command module loads what it needs when it runs.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from bot.cli.parser import EXIT_BAD_INPUT, build_parser

__all__ = ["build_parser", "main"]

# command -> module in bot.cli that defines `cmd_<command>`
COMMANDS = {
    "demo": "setup", "db": "setup", "ingest": "setup", "user": "setup",
    "digest": "reading", "rate": "reading", "chat": "reading", "import": "library",
    "score": "operate", "usage": "operate", "run": "operate", "status": "operate",
}  # fmt: skip


def command(name: str) -> Callable[..., int]:
    module = importlib.import_module(f"bot.cli.{COMMANDS[name]}")
    handler: Callable[..., int] = getattr(module, f"cmd_{name}")
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed in one line
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from bot import logs

    logs.install()  # no token, key or password in any log line or error message
    from pydantic import ValidationError
    from pydantic_settings import SettingsError
    from sqlalchemy.exc import SQLAlchemyError

    from core.errors import PaperbotError
    from storage import dberrors
    from storage.engine import hide_password

    try:
        return command(args.command)(args)
    except PaperbotError as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValidationError, SettingsError) as exc:
        print(f"paperbot: error: invalid setting: {_first_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as exc:  # read-only file, full disk, server gone: one line, no SQL
        print(f"paperbot: error: {dberrors.describe(exc)}", file=sys.stderr)
        _details("database error")
        return 1
    except Exception as exc:  # the last line of defence: no traceback for operators
        detail = hide_password(str(exc))
        print(
            f"paperbot: internal error: {type(exc).__name__}: {detail} (run with -v for details)",
            file=sys.stderr,
        )
        _details("internal error")
        return 1


def _details(what: str) -> None:
    """The traceback, at the level `-v` enables: operators see it only when they ask."""
    logging.getLogger("paperbot").info("%s, details:", what, exc_info=True)


def _first_error(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{str(first['loc'][0]).upper()}: {first['msg']}"
    return str(exc).splitlines()[0]
