"""`paperbot import --user NAME FILE`: a library export into what a local user likes."""

from __future__ import annotations

import argparse

from bot.cli.common import app as _app
from core.errors import InputError


def cmd_import(args: argparse.Namespace) -> int:
    from bot.console import console_caller
    from core.accounts import local_profile
    from core.commands.core import MAX_IMPORT_BYTES

    try:
        size = args.file.stat().st_size
        data = args.file.read_bytes() if size <= MAX_IMPORT_BYTES else None  # the core refuses it
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    app = _app()
    with app.sessions() as session:
        local_profile(session, args.user)  # only users made by `user add`, as `digest` and `rate`
    reply = app.commands.import_file(console_caller(args.user), data, size=size)
    if not reply.ok:
        raise InputError(reply.text)
    print(reply.text)
    return 0
