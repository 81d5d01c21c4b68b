"""Commands that read or change a profile's criteria and schedule."""

from __future__ import annotations

from core.commands import validate
from core.commands.core import Context, Reply
from core.commands.syntax import cmd
from core.errors import InputError
from core.models import Cadence, Profile
from storage import profiles


def welcome() -> str:
    """The first answer, in the caller's syntax."""
    return (
        "Welcome to paperbot!\n"
        "Every arXiv announcement day I send you the new papers that match your topics.\n"
        f"1. Describe your topics: {cmd('topics set sparse autoencoders, mixture of experts; not RL')}\n"
        f"2. Optionally: {cmd('keywords +quantization -medical')}, {cmd('authors add Yoshua Bengio')}, "
        f"{cmd('categories cs.LG cs.AI')}\n"
        f"3. Choose when: {cmd('time 08:00')} and {cmd('tz Europe/Berlin')}. "
        f"See today's digest now with {cmd('digest')}.\n"
        f"Rate papers with 👍/👎 and I learn what you like. {cmd('help')} lists every command."
    )


ASK_TOPICS = "What should I look for? Reply with your topics: a few lines or a paragraph in your own words."


def start(ctx: Context, _args: str) -> Reply:
    if ctx.profile is not None:
        ctx.profile.active = True
        resumed = ctx.profile.paused and _may_edit(ctx)  # `/paperbot subscribe` after unsubscribe
        if resumed:
            ctx.profile.paused = False
        profiles.save(ctx.session, ctx.profile)
        back = "Welcome back! " + ("Digests resumed. " if resumed else "")
        if not ctx.profile.criteria.strip() and _may_edit(ctx):
            return Reply(back + ASK_TOPICS, expects="topics set")
        return Reply(back + f"Your settings are as you left them; {cmd('topics')} shows your topics.")
    ctx.create_profile()
    return Reply(welcome() + "\n\n" + ASK_TOPICS, expects="topics set")


def _may_edit(ctx: Context) -> bool:
    try:
        ctx.editable_profile()
    except InputError:
        return False
    return True


def help_(ctx: Context, _args: str) -> Reply:
    from core.commands.registry import help_text

    return Reply(help_text())


def keywords(ctx: Context, args: str) -> Reply:
    if not args:
        p = ctx.require_profile()
        return Reply(
            f"Required: {', '.join(p.keywords_require) or '(none)'}\n"
            f"Excluded: {', '.join(p.keywords_exclude) or '(none)'}"
        )
    profile = ctx.editable_profile()
    require, exclude = parse_keywords(args, profile.keywords_require, profile.keywords_exclude)
    profile.keywords_require, profile.keywords_exclude = require, exclude
    profiles.save(ctx.session, profile)
    return Reply(
        f"Keywords updated. Required: {', '.join(require) or '(none)'}; "
        f"excluded: {', '.join(exclude) or '(none)'}."
    )


def parse_keywords(raw: str, require: list[str], exclude: list[str]) -> tuple[list[str], list[str]]:
    """`+word -word "+a phrase"` applied to the current lists (`clear` empties them)."""
    require, exclude = list(require), list(exclude)
    tokens = validate.words(raw)
    if tokens == ["clear"]:
        return [], []
    for token in tokens:
        if token[:1] not in "+-" or len(token) < 2:
            raise InputError(
                "Mark each keyword with + (require) or - (exclude), like +pruning -medical; "
                f"got {token[:30]!r}."
            )
        word = validate.keyword(token[1:])
        require = [k for k in require if k.lower() != word.lower()]
        exclude = [k for k in exclude if k.lower() != word.lower()]
        (require if token[0] == "+" else exclude).append(word)
    if len(require) + len(exclude) > validate.MAX_KEYWORDS:
        raise InputError(f"At most {validate.MAX_KEYWORDS} keywords; remove some first.")
    return require, exclude


def authors(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.partition(" ")
    verb = verb.lower()
    if not verb:
        names = ctx.require_profile().authors
        return Reply("Followed authors: " + (", ".join(names) or "(none)"))
    if verb not in ("add", "remove"):
        raise InputError(f"Use {cmd('authors add <name>')} or {cmd('authors remove <name>')}.")
    profile = ctx.editable_profile()
    name = validate.author(rest)
    current = [a for a in profile.authors if a.lower() != name.lower()]
    if verb == "remove" and len(current) == len(profile.authors):
        raise InputError(f"You do not follow {name}.")
    if verb == "add":
        if len(current) >= validate.MAX_AUTHORS:
            raise InputError(f"You can follow at most {validate.MAX_AUTHORS} authors.")
        current.append(name)
    profile.authors = current
    profiles.save(ctx.session, profile)
    verb_done = "Now following" if verb == "add" else "No longer following"
    return Reply(
        f"{verb_done} {name}. Their papers come first in your digest."
        if verb == "add"
        else f"{verb_done} {name}."
    )


def categories(ctx: Context, args: str) -> Reply:
    if not args:
        return Reply("Categories: " + (" ".join(ctx.require_profile().categories) or "(all)"))
    profile = ctx.editable_profile()
    profile.categories = validate.categories(args)
    profiles.save(ctx.session, profile)
    return Reply("Categories set to " + " ".join(profile.categories) + ".")


def top(ctx: Context, args: str) -> Reply:
    if not args:
        return Reply(f"Your digest shows {validate.describe_top(ctx.require_profile().top_n)}.")
    profile = ctx.editable_profile()
    profile.top_n = validate.top(args, name="The number of papers")
    profiles.save(ctx.session, profile)
    return Reply(f"Your digest will show {validate.describe_top(profile.top_n)}.")


def threshold(ctx: Context, args: str) -> Reply:
    if not args:
        p = ctx.require_profile()
        return Reply(f"Thresholds: relevance ≥ {p.min_relevance}, novelty ≥ {p.min_novelty}.")
    parts = args.split()
    if len(parts) != 2:
        raise InputError(f"Give two numbers from 1 to 10: {cmd('threshold <relevance> <novelty>')}")
    profile = ctx.editable_profile()
    relevance = validate.integer(parts[0], name="Relevance", low=1, high=10)
    novelty = validate.integer(parts[1], name="Novelty", low=1, high=10)
    profile.min_relevance, profile.min_novelty = relevance, novelty
    profiles.save(ctx.session, profile)
    return Reply(f"Thresholds set: relevance ≥ {relevance}, novelty ≥ {novelty}.")


def time(ctx: Context, args: str) -> Reply:
    if not args:
        p = ctx.require_profile()
        return Reply(f"Your digest arrives at {p.delivery_time} ({p.timezone}).")
    profile = ctx.editable_profile()
    profile.delivery_time = validate.clock_time(args)
    profiles.save(ctx.session, profile)
    return Reply(f"Your digest will arrive at {profile.delivery_time} ({profile.timezone}).")


def tz(ctx: Context, args: str) -> Reply:
    if not args:
        return Reply(f"Your time zone is {ctx.require_profile().timezone}.")
    profile = ctx.editable_profile()
    profile.timezone = validate.timezone(args)
    profiles.save(ctx.session, profile)
    return Reply(f"Time zone set to {profile.timezone}; digests arrive at {profile.delivery_time} there.")


def pause(ctx: Context, _args: str) -> Reply:
    profile = ctx.editable_profile()
    profile.paused = True
    profiles.save(ctx.session, profile)
    return Reply(f"Digests paused. Send {cmd('resume')} to get them again.")


def resume(ctx: Context, _args: str) -> Reply:
    profile = ctx.editable_profile()
    profile.paused = False
    profiles.save(ctx.session, profile)
    return Reply("Digests resumed.")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_cadence(args: str) -> tuple[str, int | None]:
    """`daily` or `weekly <weekday>` (full or three-letter English names, any case)."""
    words = args.lower().split()
    if words == ["daily"]:
        return Cadence.DAILY, None
    if not words or words[0] != "weekly" or len(words) > 2:
        raise InputError(f"Use {cmd('cadence daily')} or {cmd('cadence weekly <weekday>')}.")
    if len(words) == 1:
        raise InputError(f"Which weekday? For example {cmd('cadence weekly monday')}.")
    day = words[1]
    for number, name in enumerate(WEEKDAYS):
        if day in (name, name[:3]):
            return Cadence.WEEKLY, number
    raise InputError(f"{words[1][:20]!r} is not a weekday; use monday … sunday or mon … sun.")


def describe_cadence(profile: Profile) -> str:
    """The profile's pace in words, for the command's answers and the settings pages."""
    if profile.cadence == Cadence.WEEKLY and profile.weekday is not None:
        return f"weekly on {WEEKDAYS[profile.weekday].capitalize()}s"
    return "daily"


def cadence(ctx: Context, args: str) -> Reply:
    if not args.strip():
        p = ctx.require_profile()
        return Reply(f"Your digest comes {describe_cadence(p)}, at {p.delivery_time} ({p.timezone}).")
    pace, weekday = parse_cadence(args)
    profile = ctx.editable_profile()
    profile.cadence, profile.weekday = pace, weekday
    profiles.save(ctx.session, profile)
    if pace == Cadence.WEEKLY:
        return Reply(
            f"Your digest now comes {describe_cadence(profile)} at {profile.delivery_time} "
            f"({profile.timezone}): the week's best papers, with the same thresholds and top-N."
        )
    return Reply(
        f"Your digest now comes every announcement day at {profile.delivery_time} ({profile.timezone})."
    )
