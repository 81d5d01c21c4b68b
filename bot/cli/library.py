"""`paperbot import --user NAME FILE`: a library export into what a local user likes."""

from __future__ import annotations

import argparse

from bot.cli.common import app as _app
from core.errors import InputError


def cmd_import(args: argparse.Namespace) -> int:
    from bot.console import console_caller
    from core.accounts import local_profile
    from core.library.parse import MAX_BYTES

    try:
        size = args.file.stat().st_size
        if size > MAX_BYTES:
            limit = MAX_BYTES // 1000
            raise InputError(f"{args.file} is too large ({size // 1000} kB); the limit is {limit} kB")
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    app = _app()
    with app.sessions() as session:
        local_profile(session, args.user)  # only users made by `user add`, as `digest` and `rate`
    reply = app.commands.import_file(console_caller(args.user), data)
    if not reply.ok:
        raise InputError(reply.text)
    print(reply.text)
    return 0
