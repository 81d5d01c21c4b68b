"""Core digests as Telegram messages: HTML, split at paper boundaries, signed vote buttons.

Every piece of paper text is escaped; no message exceeds Telegram's 4096 characters; each
button's callback_data (≤ 64 bytes) carries the paper and the vote with an HMAC bound to the
chat, so a button cannot be replayed in another chat or edited to rate another paper.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import ButtonSigner, Vote
from core.digest.model import Digest, Entry
from core.digest.render_text import cost_line, short_authors

MAX_TEXT = 4096


def header(digest: Digest) -> str:
    t = digest.totals
    lines = [
        f"<b>paperbot · {digest.day.isoformat()}</b>",
        f"{len(digest.entries)} papers · {t.arxiv} on arXiv · {t.scanned} scanned · {t.relevant} relevant",
    ]
    if line := cost_line(digest):
        lines.append(escape(line))
    lines.extend(f"<i>{escape(n)}</i>" for n in digest.notes)
    return "\n".join(lines)


def paper_block(number: int, entry: Entry) -> str:
    p, s = entry.paper, entry.score
    return (
        f'{number}. <a href="{escape(p.url)}">{escape(p.title)}</a>\n'
        f"{escape(short_authors(p.authors))}\n"
        f"<i>{escape(entry.explanation)}</i>\n"
        f"relevance {s.relevance} · novelty {s.novelty} · {escape(entry.reason)}"
    )


def keyboard(
    signer: ButtonSigner, chat_id: int, numbered: list[tuple[int, Entry]], votes: dict[str, int]
) -> InlineKeyboardMarkup:
    rows = []
    for number, entry in numbered:
        vote = votes.get(entry.paper.id, 0)
        rows.append(
            [
                InlineKeyboardButton(
                    f"{'✅ ' if vote > 0 else ''}👍 {number}",
                    callback_data=signer.data(str(chat_id), entry.paper.id, 1),
                ),
                InlineKeyboardButton(
                    f"{'✅ ' if vote < 0 else ''}👎 {number}",
                    callback_data=signer.data(str(chat_id), entry.paper.id, -1),
                ),
            ]
        )
    return InlineKeyboardMarkup(rows)


def digest_messages(
    digest: Digest, *, signer: ButtonSigner, chat_id: int, votes: dict[str, int] | None = None
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Messages for one digest, each ≤ 4096 characters, split only between papers."""
    votes = votes or {}
    if digest.status == "quiet":
        return [(f"{digest.day.isoformat()}: no arXiv announcement (weekend or holiday).", None)]
    entries = digest.entries
    first = header(digest)
    if digest.status == "empty":
        entries = digest.closest
        first += "\n\nNothing passed your thresholds today." + (
            " The closest papers were:" if entries else ""
        )
    messages: list[tuple[str, InlineKeyboardMarkup | None]] = []
    text, numbered = first, []
    for number, entry in enumerate(entries, start=1):
        block = paper_block(number, entry)
        if len(text) + 2 + len(block) > MAX_TEXT and numbered:
            messages.append((text, keyboard(signer, chat_id, numbered, votes)))
            text, numbered = "", []
        text = f"{text}\n\n{block}" if text else block
        numbered.append((number, entry))
    messages.append((text[:MAX_TEXT], keyboard(signer, chat_id, numbered, votes) if numbered else None))
    return messages


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
