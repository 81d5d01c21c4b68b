"""Commands a reader uses: a day's digest, ratings, and the console chat."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import app as _app
from core.errors import InputError


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.cli.common import progress
    from core.accounts import local_profile
    from core.digest.render_json import render_json
    from core.digest.render_markdown import render_markdown
    from core.digest.render_text import render_text, terminal_width

    app = _app()
    with app.sessions() as session, session.begin():
        view = local_profile(session, args.user)
        progress(f"Scoring {args.date} for {args.user} …")
        if args.all:
            digest = app.builder.build(session, view, args.date, ranked_all=True)
        else:
            digest = app.builder.build_and_record(session, view, args.date)
    if args.format == "json":
        print(render_json(digest))
    elif args.format == "markdown":
        print(render_markdown(digest, view))
    else:
        print(render_text(digest, width=terminal_width()))
    return 0


def cmd_rate(args: argparse.Namespace) -> int:
    from core.accounts import local_profile
    from core.learning import ratings
    from core.models import Direction, Vote

    if not args.up and not args.down:
        raise InputError("give at least one --up ID or --down ID")
    app = _app()
    with app.sessions() as session, session.begin():
        profile = local_profile(session, args.user)
        assert profile.id is not None
        votes = [Vote(i, Direction.UP) for i in args.up] + [Vote(i, Direction.DOWN) for i in args.down]
        done = [ratings.rate(session, profile_id=profile.id, vote=v) for v in votes]
    for (paper, _), vote in zip(done, votes, strict=True):
        print(f"{vote.thumb} {paper.id} {paper.title}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.cli.interactive import prompted_lines
    from bot.console import chat
    from core.accounts import check_name

    check_name(args.user)  # a new user is created by their first command, like on every platform
    app = _app()
    if sys.stdin.isatty():  # a person at a terminal: greeting, prompt, line editing
        chat(app.commands, args.user, prompted_lines(args.user), sys.stdout, files=Path.cwd())
    else:  # a pipe or a file: plain lines in, answers out, as before
        chat(app.commands, args.user, sys.stdin, sys.stdout, files=Path.cwd())
    return 0
