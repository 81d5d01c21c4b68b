"""Core digests and profiles as Block Kit, built with slack_sdk.models.blocks.

A digest becomes a first message with the top papers and thread replies with the rest;
each message stays within Slack's limits (≤ 50 blocks, section text ≤ 3000 characters) and
well under the ~12k characters where Slack starts rejecting long messages. Vote buttons
carry a value signed for the profile they were sent to.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.buttons import ButtonSigner, Vote
from core.commands.form import cadence_text, top_text
from core.digest.model import Digest, Entry, heading_before, span_line
from core.digest.render_text import cost_line, short_authors
from core.models import Paper, Profile

MAX_BLOCKS = 50
MAX_SECTION = 3000
MESSAGE_BUDGET = 8000  # characters of block text per message, far below the ~12k rejection point
FIRST_PAPERS = 5  # the top papers go in the first message, the rest into its thread
THREAD_PAPERS = 10
VOTE_ACTION = "vote"  # action ids are vote_up_<n> / vote_down_<n>


@dataclass
class SlackMessage:
    text: str  # the notification / fallback text
    blocks: list[dict[str, Any]] = field(default_factory=list)
    paper_ids: list[str] = field(default_factory=list)  # the papers it carries, for the journal


# escaped characters one paper may show: a paper's section stays below MAX_SECTION whatever it carries
MAX_TITLE, MAX_AUTHORS, MAX_EXPLANATION, MAX_REASON, MAX_NOTE, MAX_LINE = 600, 400, 1200, 300, 600, 300


def escape(text: str) -> str:
    """Slack's mrkdwn needs only &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped and cut to `limit` characters, never inside an entity like `&amp;`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def link(url: str, title: str) -> str:
    """`<url|title>` with both halves unable to close the link or start a mention."""
    safe_url = escape(url).replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{fit(title, MAX_TITLE).replace('|', '¦')}>"


def _paper_blocks(number: int, entry: Entry, signer: ButtonSigner, subject: str, vote: int) -> list[Block]:
    p, s = entry.paper, entry.score
    text = (
        f"*{number}. {link(p.url, p.title)}*\n{fit(short_authors(p.authors), MAX_AUTHORS)}\n"
        f"_{fit(entry.explanation, MAX_EXPLANATION)}_\n"
        f"relevance {s.relevance} · novelty {s.novelty} · {fit(entry.reason, MAX_REASON)}"
    )
    return [
        SectionBlock(block_id=f"paper_{number}", text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id=f"votes_{number}",
            elements=[
                ButtonElement(
                    text="👍 ✓" if vote > 0 else "👍",
                    action_id=f"{VOTE_ACTION}_up_{number}",
                    value=signer.data(subject, p.id, 1),
                    style="primary" if vote > 0 else None,
                ),
                ButtonElement(
                    text="👎 ✓" if vote < 0 else "👎",
                    action_id=f"{VOTE_ACTION}_down_{number}",
                    value=signer.data(subject, p.id, -1),
                    style="danger" if vote < 0 else None,
                ),
            ],
        ),
    ]


def digest_messages(
    digest: Digest, *, signer: ButtonSigner, subject: str, votes: dict[str, int] | None = None
) -> list[SlackMessage]:
    """The messages of one digest; the first is posted, the others go into its thread."""
    votes = votes or {}
    day = digest.day.isoformat()
    if digest.status == "quiet":
        text = f"{day}: no arXiv announcement (weekend or holiday)."
        return [SlackMessage(text, [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()])]
    t = digest.totals
    context = [
        f"{len(digest.entries)} papers · {t.arxiv} on arXiv · {t.scanned} scanned · {t.relevant} relevant"
    ]
    if line := cost_line(digest):
        context.append(line)
    context = [escape(c) for c in context]
    context.extend(f"_{fit(n, MAX_NOTE)}_" for n in digest.notes)
    head: list[Block] = [
        HeaderBlock(text=f"paperbot · {day}"),
        ContextBlock(elements=[MarkdownTextObject(text=c) for c in context[:10]]),
    ]
    if line := span_line(digest):  # "While you were away: the 10 best of 6 announcements"
        head.insert(1, SectionBlock(text=MarkdownTextObject(text=f"*{escape(line)}*")))
    entries = digest.entries
    if digest.status == "empty":
        entries = digest.closest
        closest = " The closest papers were:" if entries else ""
        head.append(
            SectionBlock(text=MarkdownTextObject(text=f"Nothing passed your thresholds today.{closest}"))
        )
    summary = f"paperbot digest {day}: {len(digest.entries)} papers"
    if digest.continued:  # the rest of a resumed digest: its header went out already
        head, summary = [], f"paperbot digest {day} (continued)"
    first = [b.to_dict() for b in head]
    messages = [_Chunk(first, size=sum(len(str(b)) for b in first))]
    for number, entry in enumerate(entries, start=1):
        blocks = [
            b.to_dict() for b in _paper_blocks(number, entry, signer, subject, votes.get(entry.paper.id, 0))
        ]
        if topic := heading_before(entries, number - 1):
            blocks.insert(0, SectionBlock(text=MarkdownTextObject(text=f"*{escape(topic)}*")).to_dict())
        size = sum(len(str(b)) for b in blocks)
        current = messages[-1]
        capacity = FIRST_PAPERS if len(messages) == 1 else THREAD_PAPERS
        full = (
            len(current.ids) >= capacity
            or len(current.blocks) + len(blocks) + 1 > MAX_BLOCKS
            or current.size + size > MESSAGE_BUDGET
        )
        if full and current.ids:
            current = _Chunk([])
            messages.append(current)
        if current.ids:
            current.blocks.append(DividerBlock().to_dict())
        current.blocks.extend(blocks)
        current.ids.append(entry.paper.id)
        current.size += size
    return [
        SlackMessage(summary if n == 0 else f"{summary} (continued)", chunk.blocks, chunk.ids)
        for n, chunk in enumerate(messages)
    ]


@dataclass
class _Chunk:
    """One message being filled: its blocks, its papers and how many characters it holds."""

    blocks: list[dict[str, Any]]
    ids: list[str] = field(default_factory=list)
    size: int = 0


def with_vote(
    blocks: list[dict[str, Any]], vote: Vote, signer: ButtonSigner, subject: str
) -> list[dict[str, Any]]:
    """A message's blocks with `vote` shown on its paper's buttons (and the other unmarked)."""
    updated = copy.deepcopy(blocks)
    for block in updated:
        if block.get("type") != "actions":
            continue
        for button in block.get("elements", []):
            target = signer.verify(subject, button.get("value"))
            if target is None or target.paper_id != vote.paper_id:
                continue
            chosen = target.value == vote.value
            thumb = "👍" if target.value > 0 else "👎"
            button["text"] = {"type": "plain_text", "text": f"{thumb} ✓" if chosen else thumb, "emoji": True}
            button.pop("style", None)
            if chosen:
                button["style"] = "primary" if target.value > 0 else "danger"
    return updated


HOME_ACTIONS = "home"  # action ids are home_<what>


def home_view(profile: Profile | None, latest: list[Paper], latest_day: str | None) -> dict[str, Any]:
    """The App Home tab: the user's settings, quick changes and their latest digest."""
    if profile is None:
        blocks: list[Block] = [
            HeaderBlock(text="Welcome to paperbot"),
            SectionBlock(text=MarkdownTextObject(text=(
                "Every arXiv announcement day I send you the new papers that match your topics. "
                "Press *Edit topics* to describe what you want, or send me a message like "
                "`topics set sparse autoencoders`."
            ))),
            ActionsBlock(elements=[
                ButtonElement(text="Start", action_id=f"{HOME_ACTIONS}_start", value="start",
                              style="primary"),
                ButtonElement(text="Edit topics", action_id=f"{HOME_ACTIONS}_edit", value="edit"),
            ]),
        ]  # fmt: skip
        return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
    p = profile

    def listed(values: list[str]) -> str:
        return escape(", ".join(values)) if values else "—"

    topics = escape(p.criteria.strip()) or "_none yet: `/paperbot topics set <text>`_"
    keywords = ["+" + k for k in p.keywords_require] + ["-" + k for k in p.keywords_exclude]
    settings = (
        f"*Keywords:* {listed(keywords)}\n"
        f"*Authors:* {listed(p.authors)}\n*Categories:* {listed(p.categories)}\n"
        f"*Schedule:* {cadence_text(p)} at {p.delivery_time} {escape(p.timezone)}"
        f"{' (paused)' if p.paused else ''}\n"
        f"*Digest:* top {top_text(p.top_n)}, relevance ≥ {p.min_relevance}, novelty ≥ {p.min_novelty}"
    )
    toggle = ("Resume digests", "resume") if p.paused else ("Pause digests", "pause")
    blocks = [
        HeaderBlock(text="Your paperbot"),
        SectionBlock(text=MarkdownTextObject(text=f"*Topics*\n{topics}"[:MAX_SECTION])),
        SectionBlock(text=MarkdownTextObject(text=settings[:MAX_SECTION])),
        ActionsBlock(elements=[
            ButtonElement(text="Send today's digest", action_id=f"{HOME_ACTIONS}_digest", value="digest",
                          style="primary"),
            ButtonElement(text="Edit topics", action_id=f"{HOME_ACTIONS}_edit", value="edit"),
            ButtonElement(text=toggle[0], action_id=f"{HOME_ACTIONS}_{toggle[1]}", value=toggle[1]),
            *[ButtonElement(text=f"Top {n}", action_id=f"{HOME_ACTIONS}_top_{n}", value=f"top {n}")
              for n in (5, 10, 20)],
        ]),
        DividerBlock(),
    ]  # fmt: skip
    if latest:
        lines: list[str] = []
        for paper in latest:  # as many as fit one section, however long their titles
            line = f"• {link(paper.url, paper.title[:MAX_LINE])}"
            if sum(len(x) + 1 for x in lines) + len(line) > MAX_SECTION - 100:
                break
            lines.append(line)
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=f"*Your latest digest ({latest_day})*\n" + "\n".join(lines)
        )))  # fmt: skip
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="_No digest sent yet._")))
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
