"""A digest over several days as every renderer shows it (its header line), grouped by topic
like any other, and resumed exactly after a crash (the promised papers of all its days)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.buttons import ButtonSigner
from bot.compose import App
from bot.slack.modal import edit_view
from bot.slack.render import digest_messages as slack_messages
from bot.slack.render import home_view
from bot.telegram.render import digest_messages as telegram_messages
from core.commands.core import Caller
from core.commands.form import ProfileForm
from core.digest.model import Digest, Entry, Span
from core.digest.render_markdown import render_markdown
from core.digest.render_text import render_text
from core.models import DigestStatus, Identity, Paper, PaperScore, Profile, Reason
from storage import deliveries, profiles
from tests.test_cadence import FRI, MON, TUE, WED, ingest, on_topic

AWAY = "While you were away: the 2 best of 3 announcements"


def digest(span: Span | None) -> Digest:
    entries = [
        Entry(Paper(id=f"2506.0{n}", title=f"Paper {n}", authors=("A. Author",), abstract="..."),
              PaperScore(f"2506.0{n}", 9, 8, 1.0, "on topic", "offline"), Reason.CRITERIA)
        for n in (1, 2)
    ]  # fmt: skip
    return Digest(day=FRI, user="u", status=DigestStatus.DIGEST, entries=entries, span=span)


def everything(d: Digest) -> list[str]:
    """The digest as markdown, text, Telegram messages and Slack blocks, as plain strings."""
    signer = ButtonSigner(b"k")
    return [
        render_markdown(d),
        render_text(d),
        *(m.text for m in telegram_messages(d, signer=signer, chat_id=1)),
        *(str(m.blocks) for m in slack_messages(d, signer=signer, subject="T1:U1")),
    ]


def test_every_renderer_says_what_a_catch_up_covers_and_a_day_says_nothing() -> None:
    away = everything(digest(Span(days=(TUE, WED, FRI), away=True)))
    assert f"**{AWAY}**" in away[0]
    assert away[1].splitlines()[1] == AWAY
    assert f"<b>{AWAY}</b>" in away[2]
    assert f"*{AWAY}*" in away[3]
    week = everything(digest(Span(days=(FRI,))))
    assert all("This week: the 2 best of 1 announcement" in shown for shown in week)
    plain = everything(digest(None))
    assert not any("While you were away" in s or "This week" in s for s in plain)


def test_slack_home_shows_the_cadence() -> None:
    weekly = Profile(id=1, name="w", criteria="x", cadence="weekly", weekday=4, timezone="Europe/Berlin")
    assert "*Schedule:* weekly friday at 08:00 Europe/Berlin" in str(home_view(weekly, [], None))
    daily = Profile(id=2, name="d", criteria="x")
    assert "*Schedule:* daily at 08:00 UTC" in str(home_view(daily, [], None))


NUMBERED = """1. Sparse autoencoders
   - Relevant: sparse autoencoders, interpretable monosemantic features, mechanistic interpretability.
2. Diffusion
   - Relevant: diffusion models for image synthesis.
"""


def catch_up(app: App, tmp_path: Path, criteria: str, *commands: str) -> tuple[Digest, Profile]:
    """A reader whose last digest was Monday's gets Friday's after missing Tuesday and Wednesday."""
    for day in (MON, TUE, WED, FRI):
        ingest(app, tmp_path, day)
    caller = Caller(Identity.console("rita"))
    for command in ("/start", *commands):
        assert app.commands.handle(caller, command).ok
    with app.sessions() as session, session.begin():
        view = profiles.find(session, caller.identity)
        assert view is not None
        view.criteria = criteria
        profiles.save(session, view)
        deliveries.record_sent(session, profile_id=view.id, day=MON, paper_ids=sorted(on_topic(MON)))
        return app.builder.build(session, view, FRI), view


def test_a_catch_up_is_grouped_by_topic_in_score_order(app: App, tmp_path: Path) -> None:
    shown, _ = catch_up(app, tmp_path, NUMBERED, "/threshold 1 1", "/top 10")
    assert shown.span is not None and shown.span.days == (TUE, WED, FRI) and shown.span.away
    topics = [e.topic for e in shown.entries]
    assert {"Sparse autoencoders", "Diffusion"} <= set(topics)
    runs = [t for n, t in enumerate(topics) if n == 0 or topics[n - 1] != t]
    assert len(runs) == len(set(runs))  # each topic's papers together
    for topic in set(topics):
        totals = [e.total for e in shown.entries if e.topic == topic]
        assert totals == sorted(totals, reverse=True)
    saes = {e.paper.id for e in shown.entries if e.topic == "Sparse autoencoders"}
    assert saes == on_topic(TUE, WED, FRI)  # of all three days, Monday's not again
    days = {e.paper.id[5:7] for e in shown.entries}
    assert days == {"03", "04", "06"}


def test_a_resumed_catch_up_sends_exactly_the_promised_papers_of_its_days(app: App, tmp_path: Path) -> None:
    shown, view = catch_up(app, tmp_path, "sparse autoencoders, mechanistic interpretability")
    promised = [e.paper.id for e in shown.entries][::-1][:4]
    assert len({p[5:7] for p in promised}) >= 2
    with app.sessions() as session, session.begin():
        again = app.builder.build_promised(session, view, FRI, promised)
    assert [e.paper.id for e in again.entries] == promised
    assert again.span == shown.span


def test_a_first_digest_and_a_daily_digest_cover_their_day_alone(app: App, tmp_path: Path) -> None:
    """Whoever read the day before (even a digest where nothing passed) gets the day alone."""
    for day in (MON, TUE, WED, FRI):
        ingest(app, tmp_path, day)
    caller = Caller(Identity.console("dan"))
    for command in ("/start", "/topics set sparse autoencoders, mechanistic interpretability"):
        assert app.commands.handle(caller, command).ok
    with app.sessions() as session, session.begin():
        view = profiles.find(session, caller.identity)
        assert view is not None
        first = app.builder.build_and_record(session, view, TUE)
        assert first.span is None and {e.paper.id for e in first.entries} == on_topic(TUE)
        strict = replace(view, min_relevance=10, min_novelty=10)
        assert app.builder.build_and_record(session, strict, WED).status == DigestStatus.EMPTY
        after = app.builder.build_and_record(session, view, FRI)
        assert after.span is None and {e.paper.id for e in after.entries} == on_topic(FRI)


def test_the_slack_form_sets_the_cadence_like_the_command(app: App) -> None:
    caller = Caller(Identity("slack", "U1", workspace="T1"))
    assert app.commands.handle(caller, "/start").ok
    form = app.commands.form(caller.identity)
    assert form is not None and form.cadence == "daily"
    errors = app.commands.edit(caller, ProfileForm(cadence="weekly someday", time="07:00"))
    assert set(errors) == {"cadence"} and "is not a weekday" in errors["cadence"]
    with app.sessions() as session:
        view = profiles.find(session, caller.identity)
    assert view is not None and (view.cadence, view.delivery_time) == ("daily", "08:00")  # nothing saved
    assert app.commands.edit(caller, ProfileForm(cadence="Weekly FRI")) == {}
    assert app.commands.form(caller.identity) == replace(form, cadence="weekly friday")
    edited = edit_view(replace(form, cadence="weekly friday"))
    field = next(b for b in edited["blocks"] if b.get("block_id") == "cadence")
    assert field["element"]["initial_value"] == "weekly friday" and field["optional"] is False
