"""Vote buttons that carry their own proof: an HMAC over (where it was sent, paper, vote).

No table of issued buttons is needed, and a button value copied to another chat, user or
workspace, or edited to name another paper, fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.models import Direction, Vote

__all__ = ["ButtonSigner", "Vote", "button_secret"]

SIGNATURE_BYTES = 9  # 12 base64 characters; keeps Telegram's callback_data under 64 bytes


def button_secret(token: str) -> bytes:
    """A signing key derived from the bot's own secret, so no extra setting is needed."""
    return hashlib.sha256(b"paperbot-buttons:" + token.encode()).digest()


class ButtonSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, subject: str, paper_id: str, value: int) -> str:
        message = f"{subject}:{paper_id}:{value}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).decode()

    def data(self, subject: str, paper_id: str, value: int) -> str:
        return f"{'+' if value > 0 else '-'}{paper_id}|{self._signature(subject, paper_id, value)}"

    def verify(self, subject: str, data: str | None) -> Vote | None:
        """The vote a button stands for (for `CommandCore.rate`), or None when it was forged
        or belongs elsewhere."""
        if not data or data[0] not in "+-" or "|" not in data:
            return None
        paper_id, _, signature = data[1:].partition("|")
        value = 1 if data[0] == "+" else -1
        expected = self._signature(subject, paper_id, value)
        return Vote(paper_id, Direction.of(value)) if hmac.compare_digest(expected, signature) else None
