"""Commands that read digests and record what the reader thought of them."""

from __future__ import annotations

import datetime as dt

from core.commands import validate
from core.commands.core import Context, Reply, cast_vote
from core.commands.syntax import cmd
from core.digest.render_bibtex import render_bibtex
from core.digest.render_text import render_text
from core.errors import InputError
from core.models import Direction, Paper, Vote
from storage import deliveries
from storage import library as library_store
from storage import papers as paper_store
from storage import ratings as rating_store


def digest(ctx: Context, args: str) -> Reply:
    profile = ctx.require_profile()
    if args:
        day = validate.date(args)
    else:
        latest = paper_store.latest_day(ctx.session, announced_only=False)
        if latest is None:
            raise InputError("No arXiv day has been ingested yet; try again after the next announcement.")
        day = latest
    built = ctx.builder.build_and_record(ctx.session, profile, day)
    return Reply(render_text(built), digest=built)


def up(ctx: Context, args: str) -> Reply:
    return _rate(ctx, args, +1)


def down(ctx: Context, args: str) -> Reply:
    return _rate(ctx, args, -1)


def _rate(ctx: Context, args: str, value: int) -> Reply:
    ctx.editable_profile()  # who may vote is checked before what they gave
    ids = args.split()
    if len(ids) != 1:
        raise InputError(f"Give one arXiv id: {cmd(('up' if value > 0 else 'down') + ' 2506.01928')}")
    return cast_vote(ctx, Vote(ids[0], Direction.of(value)))


def _liked(ctx: Context) -> list[Paper]:
    profile = ctx.require_profile()
    assert profile.id is not None
    return rating_store.liked_papers(ctx.session, profile.id)


SAVED_IMPORTS_SHOWN = 50  # a library may hold thousands; a chat message shows the latest


def saved(ctx: Context, _args: str) -> Reply:
    liked = _liked(ctx)
    imported = _imported(ctx, exclude={p.id for p in liked})
    if not liked and not imported:
        return Reply(f"No saved papers yet: press 👍 on a paper (or {cmd('up <id>')}) to save it.")
    parts = []
    if liked:
        parts.append(
            "Your 👍 papers:\n" + "\n".join(f"{n}. {p.title} — {p.url}" for n, p in enumerate(liked, 1))
        )
    if imported:
        lines = [f"{n}. {p.title} — {p.url}" for n, p in enumerate(imported[:SAVED_IMPORTS_SHOWN], 1)]
        more = len(imported) - SAVED_IMPORTS_SHOWN
        lines += [f"… and {more} more"] if more > 0 else []
        parts.append(f"Imported from your library ({len(imported)}):\n" + "\n".join(lines))
    return Reply("\n\n".join(parts))


def _imported(ctx: Context, *, exclude: set[str]) -> list[Paper]:
    """The imported library, less papers already listed as 👍 and those later voted 👎."""
    profile = ctx.require_profile()
    assert profile.id is not None
    disliked = {pid for pid, value in rating_store.ratings(ctx.session, profile.id).items() if value < 0}
    papers = library_store.library_papers(ctx.session, profile.id)
    return [p for p in papers if p.id not in exclude and p.id not in disliked]


def export(ctx: Context, _args: str) -> Reply:
    liked = _liked(ctx)
    if not liked:
        return Reply("Nothing to export yet: press 👍 on papers you want to keep.")
    text = render_bibtex(liked, paper_store.announced_on(ctx.session, [p.id for p in liked]))
    return Reply(text, attachment=("paperbot-saved.bib", text.encode()))


STATS_DAYS = 28


def stats(ctx: Context, _args: str) -> Reply:
    profile = ctx.require_profile()
    assert profile.id is not None
    today = dt.datetime.now(dt.UTC).date()
    since = today - dt.timedelta(days=STATS_DAYS - 1)
    shown = deliveries.shown_per_day(ctx.session, profile_id=profile.id, since=since)
    up, down = rating_store.votes_per_day(ctx.session, profile_id=profile.id, since=since)
    days = [since + dt.timedelta(days=n) for n in range(STATS_DAYS)]
    liked, disliked = sum(up.values()), sum(down.values())
    share = f" ({liked / (liked + disliked):.0%} liked)" if liked + disliked else ""
    text = f"Last {STATS_DAYS} days: {sum(shown.values())} papers shown, {liked} 👍, {disliked} 👎{share}."
    from core.stats import stats_png  # matplotlib loads only for the one command that draws

    png = stats_png(days=days, shown=shown, up=up, down=down)
    return Reply(text, attachment=("paperbot-stats.png", png))


def forget(ctx: Context, args: str) -> Reply:
    profile = ctx.editable_profile()
    assert profile.id is not None
    count = len(rating_store.ratings(ctx.session, profile.id))
    imported = library_store.library_size(ctx.session, profile.id)
    library = f" and {imported} imported papers" if imported else ""
    if args.strip().lower() != "yes":
        return Reply(
            f"This deletes your {count} ratings{library} and what paperbot learned from them. "
            f"Send {cmd('forget yes')} to confirm."
        )
    rating_store.clear_ratings(ctx.session, profile.id)
    library_store.clear(ctx.session, profile.id)
    return Reply(f"Forgot {count} ratings{library}; your digests rank by your topics alone again.")
