"""Commands that read or change a profile's criteria and schedule."""

from __future__ import annotations

from core.commands import validate
from core.commands.core import Context, Reply
from core.errors import InputError
from storage import profiles

WELCOME = """Welcome to paperbot!
Every arXiv announcement day I send you the new papers that match your topics.
1. Describe your topics: /topics set sparse autoencoders, mixture of experts; not interested in RL
2. Optionally: /keywords +quantization -medical, /authors add Yoshua Bengio, /categories cs.LG cs.AI
3. Choose when: /time 08:00 and /tz Europe/Berlin. See today's digest now with /digest.
Rate papers with 👍/👎 and I learn what you like. /help lists every command."""


def start(ctx: Context, _args: str) -> Reply:
    if ctx.profile is not None:
        ctx.profile.active = True
        resumed = ctx.profile.paused and _may_edit(ctx)  # `/paperbot subscribe` after unsubscribe
        if resumed:
            ctx.profile.paused = False
        profiles.save(ctx.session, ctx.profile)
        return Reply(
            "Welcome back! "
            + ("Digests resumed. " if resumed else "")
            + "Your settings are as you left them; /topics shows your topics."
        )
    profiles.create(
        ctx.session, ctx.caller.identity, categories=ctx.default_categories, owner_id=ctx.caller.member
    )
    return Reply(WELCOME)


def _may_edit(ctx: Context) -> bool:
    try:
        ctx.editable_profile()
    except InputError:
        return False
    return True


def help_(ctx: Context, _args: str) -> Reply:
    from core.commands.registry import help_text

    return Reply(help_text())


def topics(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.partition(" ")
    verb = verb.lower()
    if not verb:
        return Reply(_show_topics(ctx))
    profile = ctx.editable_profile()
    lines = _topic_lines(profile.criteria)
    if verb == "set":
        text = rest.replace("\\n", "\n").strip()
        if not text:
            raise InputError("Give the new topics: /topics set <text>")
        new = text
    elif verb == "add":
        line = " ".join(rest.split())
        if not line:
            raise InputError("Give the topic to add: /topics add <line>")
        new = "\n".join([*lines, line])
    elif verb == "remove":
        if not lines:
            raise InputError("You have no topics to remove.")
        number = validate.integer(rest, name="The topic number", low=1, high=len(lines))
        new = "\n".join(lines[: number - 1] + lines[number:])
    else:
        raise InputError("Use /topics, /topics set <text>, /topics add <line> or /topics remove <n>.")
    if len(new) > validate.MAX_CRITERIA:
        raise InputError(
            f"Topics are limited to {validate.MAX_CRITERIA:,} characters; yours would be {len(new):,}."
        )
    profile.criteria = new
    profiles.save(ctx.session, profile)
    return Reply("Topics updated.\n" + _numbered(_topic_lines(new)))


def _topic_lines(criteria: str) -> list[str]:
    return [line.rstrip() for line in criteria.splitlines() if line.strip()]


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1)) or "(no topics yet)"


def _show_topics(ctx: Context) -> str:
    profile = ctx.require_profile()
    lines = _topic_lines(profile.criteria)
    if not lines:
        return "You have no topics yet. Describe them with /topics set <text>."
    return "Your topics:\n" + _numbered(lines)


def keywords(ctx: Context, args: str) -> Reply:
    if not args:
        p = ctx.require_profile()
        return Reply(
            f"Required: {', '.join(p.keywords_require) or '(none)'}\n"
            f"Excluded: {', '.join(p.keywords_exclude) or '(none)'}"
        )
    profile = ctx.editable_profile()
    require, exclude = list(profile.keywords_require), list(profile.keywords_exclude)
    tokens = validate.words(args)
    if tokens == ["clear"]:
        require, exclude = [], []
    for token in tokens if tokens != ["clear"] else []:
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
    profile.keywords_require, profile.keywords_exclude = require, exclude
    profiles.save(ctx.session, profile)
    return Reply(
        f"Keywords updated. Required: {', '.join(require) or '(none)'}; "
        f"excluded: {', '.join(exclude) or '(none)'}."
    )


def authors(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.partition(" ")
    verb = verb.lower()
    if not verb:
        names = ctx.require_profile().authors
        return Reply("Followed authors: " + (", ".join(names) or "(none)"))
    if verb not in ("add", "remove"):
        raise InputError("Use /authors add <name> or /authors remove <name>.")
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
        return Reply(f"Your digest shows at most {ctx.require_profile().top_n} papers.")
    profile = ctx.editable_profile()
    profile.top_n = validate.integer(args, name="The number of papers", low=1, high=50)
    profiles.save(ctx.session, profile)
    return Reply(f"Your digest will show at most {profile.top_n} papers.")


def threshold(ctx: Context, args: str) -> Reply:
    if not args:
        p = ctx.require_profile()
        return Reply(f"Thresholds: relevance ≥ {p.min_relevance}, novelty ≥ {p.min_novelty}.")
    parts = args.split()
    if len(parts) != 2:
        raise InputError("Give two numbers from 1 to 10: /threshold <relevance> <novelty>")
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
    return Reply("Digests paused. Send /resume to get them again.")


def resume(ctx: Context, _args: str) -> Reply:
    profile = ctx.editable_profile()
    profile.paused = False
    profiles.save(ctx.session, profile)
    return Reply("Digests resumed.")
