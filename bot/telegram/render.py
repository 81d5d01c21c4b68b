"""Core digests as Telegram messages: HTML, split at paper boundaries, signed vote buttons.

Every piece of paper text is escaped; no message exceeds Telegram's 4096 characters; each
button's callback_data (≤ 64 bytes) carries the paper and the vote with an HMAC bound to the
chat, so a button cannot be replayed in another chat or edited to rate another paper.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import ButtonSigner, Vote
from core.digest.model import Digest, Entry, heading_before, span_line
from core.digest.render_text import cost_line, short_authors

MAX_TEXT = 4096  # after entity parsing, in UTF-16 code units
MAX_CALLBACK = 64  # bytes of callback_data
# what one paper may show; together far below MAX_TEXT, so a single paper always fits
MAX_TITLE, MAX_AUTHORS, MAX_EXPLANATION, MAX_REASON, MAX_NOTE, MAX_NOTES = 300, 200, 600, 200, 300, 5
_TAG = re.compile(r"<[^>]*>")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters (with an ellipsis) before it is escaped, never after."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def visible_length(html: str) -> int:
    """What Telegram counts against MAX_TEXT: the text without tags, entities decoded, in UTF-16."""
    return len(unescape(_TAG.sub("", html)).encode("utf-16-le")) // 2


def header(digest: Digest) -> str:
    t = digest.totals
    lines = [
        f"<b>paperbot · {digest.day.isoformat()}</b>",
        *([f"<b>{escape(line)}</b>"] if (line := span_line(digest)) else []),
        f"{len(digest.entries)} papers · {t.arxiv} on arXiv · {t.scanned} scanned · {t.relevant} relevant",
    ]
    if line := cost_line(digest):
        lines.append(escape(line))
    lines.extend(f"<i>{escape(clip(n, MAX_NOTE))}</i>" for n in digest.notes[:MAX_NOTES])
    return "\n".join(lines)


def paper_block(number: int, entry: Entry) -> str:
    p, s = entry.paper, entry.score
    return (
        f'{number}. <a href="{escape(p.url, quote=True)}">{escape(clip(p.title, MAX_TITLE))}</a>\n'
        f"{escape(clip(short_authors(p.authors), MAX_AUTHORS))}\n"
        f"<i>{escape(clip(entry.explanation, MAX_EXPLANATION))}</i>\n"
        f"relevance {s.relevance} · novelty {s.novelty} · {escape(clip(entry.reason, MAX_REASON))}"
    )


def keyboard(
    signer: ButtonSigner, chat_id: int, numbered: list[tuple[int, Entry]], votes: dict[str, int]
) -> InlineKeyboardMarkup:
    rows = []
    for number, entry in numbered:
        vote = votes.get(entry.paper.id, 0)
        up, down = (signer.data(str(chat_id), entry.paper.id, v) for v in (1, -1))
        if max(len(up.encode()), len(down.encode())) > MAX_CALLBACK:
            continue  # Telegram would refuse the whole message; the paper is still listed
        rows.append(
            [
                InlineKeyboardButton(
                    f"{'✅ ' if vote > 0 else ''}👍 {number}",
                    callback_data=up,
                ),
                InlineKeyboardButton(
                    f"{'✅ ' if vote < 0 else ''}👎 {number}",
                    callback_data=down,
                ),
            ]
        )
    return InlineKeyboardMarkup(rows)


class Outgoing(NamedTuple):
    text: str
    markup: InlineKeyboardMarkup | None
    paper_ids: list[str]  # the papers it carries, for the delivery journal


def digest_messages(
    digest: Digest, *, signer: ButtonSigner, chat_id: int, votes: dict[str, int] | None = None
) -> list[Outgoing]:
    """Messages for one digest, each ≤ 4096 characters as Telegram counts them, split only
    between papers and never inside HTML (each paper's fields are bounded, so one always fits)."""
    votes = votes or {}
    if digest.status == "quiet":
        return [Outgoing(f"{digest.day.isoformat()}: no arXiv announcement (weekend or holiday).", None, [])]
    entries = digest.entries
    first = "" if digest.continued else header(digest)
    if digest.status == "empty" and not digest.continued:
        entries = digest.closest
        first += "\n\nNothing passed your thresholds today." + (
            " The closest papers were:" if entries else ""
        )
    messages: list[Outgoing] = []
    text, numbered = first, list[tuple[int, Entry]]()
    for number, entry in enumerate(entries, start=1):
        block = paper_block(number, entry)
        if topic := heading_before(entries, number - 1):
            block = f"<b>▌{escape(topic)}</b>\n\n{block}"
        if visible_length(text) + 2 + visible_length(block) > MAX_TEXT and numbered:
            messages.append(_outgoing(text, numbered, signer, chat_id, votes))
            text, numbered = "", []
        text = f"{text}\n\n{block}" if text else block
        numbered.append((number, entry))
    messages.append(_outgoing(text, numbered, signer, chat_id, votes))
    return messages


def _outgoing(
    text: str, numbered: list[tuple[int, Entry]], signer: ButtonSigner, chat_id: int, votes: dict[str, int]
) -> Outgoing:
    markup = keyboard(signer, chat_id, numbered, votes) if numbered else None
    return Outgoing(text, markup, [entry.paper.id for _, entry in numbered])


def with_vote(
    markup: InlineKeyboardMarkup, vote: Vote, signer: ButtonSigner, chat_id: int
) -> InlineKeyboardMarkup:
    """The same keyboard with `vote` marked on its paper's row (and the other choice unmarked)."""
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            target = signer.verify(str(chat_id), data)
            label = button.text
            if target is not None and target.paper_id == vote.paper_id:
                bare = label.removeprefix("✅ ")
                label = f"✅ {bare}" if target.value == vote.value else bare
            buttons.append(InlineKeyboardButton(label, callback_data=button.callback_data))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)
