"""Keep secrets out of every line paperbot writes for operators: logs and stderr.

Libraries log what they do (httpx logs each Bot API URL, which carries the bot token),
exceptions quote what they were given (an InvalidToken error names the token), and upstream
error bodies can echo a key. Rather than trusting each call site, everything that reaches a
log handler or stderr passes through `redact`: the configured secret values and anything
shaped like a token are replaced by `[redacted]`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from pydantic import SecretStr

MASK = "[redacted]"
_SECRET_NAMES = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD", re.I)
_MIN_SECRET = 6  # shorter configured values would mask ordinary words
_SHAPES = [
    re.compile(r"(?<![0-9])[0-9]{3,}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{6,}"),  # Slack bot/user/app-level tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),  # Slack app token (Socket Mode)
    re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"),  # OpenAI-style API key
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{8,}"),  # an Authorization header
]
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):([^/\s@]+)@")


class Redactor:
    """Replaces known secret values and token-shaped strings in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= _MIN_SECRET)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        for shape in _SHAPES:
            text = shape.sub(MASK, text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", text)


REDACT = Redactor()


def redact(text: str) -> str:
    """`text` with every known secret and token-shaped string masked."""
    return REDACT(text)


class RedactingFilter(logging.Filter):
    """Renders a record's message (and traceback) once, redacted, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep what was given, still redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _RedactingStream:
    """A text stream that masks secrets in what is written and delegates everything else."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install(extra_secrets: Iterable[str] = ()) -> None:
    """Redact every root log handler, stderr and stdout; secrets come from the environment, the
    settings (.env included) and `extra_secrets`. Safe to call more than once."""
    REDACT.add(extra_secrets)
    REDACT.add(v for k, v in os.environ.items() if _SECRET_NAMES.search(k))
    REDACT.add(_configured_secrets())
    if not isinstance(sys.stderr, _RedactingStream):
        sys.stderr = _RedactingStream(sys.stderr)
    if not isinstance(sys.stdout, _RedactingStream):  # `status` prints stored upstream errors
        sys.stdout = _RedactingStream(sys.stdout)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def _configured_secrets() -> list[str]:
    """Every SecretStr the settings hold; settings that do not load add nothing here."""
    try:
        from bot.settings import Settings

        settings = Settings()
    except Exception:  # invalid settings are reported by the command itself
        return []
    values = [
        value.get_secret_value()
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name, None), SecretStr)
    ]
    url = getattr(settings, "database_url", "")
    if isinstance(url, str) and (match := _URL_PASSWORD.search(url)):
        values.append(match.group(2))
    return values
