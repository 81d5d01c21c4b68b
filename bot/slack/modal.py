"""The App Home *Edit topics* modal: a whole profile in one Block Kit form, and back.

Criteria are paragraphs, hostile to type into a slash command; here they get a multi-line
field, beside keywords, followed authors, schedule, top-N and thresholds. Block ids are the
form's field names, so the core's errors land under their field (response_action "errors").
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from core.commands.form import ProfileForm

CALLBACK_ID = "edit_profile"
ACTION = "value"
MAX_INPUT = 3000  # Slack's plain_text_input max_length

_LABELS = {
    "topics": ("Topics", "Your topics in your own words: a few lines, or numbered topics each with "
               "Relevant: / Irrelevant: lines.", True),
    "keywords": ("Keywords", "+word requires it, -word excludes it; quote phrases: \"+mixture of experts\"",
                 False),
    "authors": ("Followed authors", "One name a line; their papers always come first.", True),
    "time": ("Delivery time", "HH:MM, 24-hour", False),
    "timezone": ("Time zone", "An Area/City name like Europe/Berlin", False),
    "cadence": ("Cadence", "daily, or weekly and a weekday: weekly friday", False),
    "top": ("Papers per digest", "1 and up, or all", False),
    "relevance": ("Minimum relevance", "1 to 10", False),
    "novelty": ("Minimum novelty", "1 to 10", False),
}  # fmt: skip
_REQUIRED = {"time", "timezone", "cadence", "top", "relevance", "novelty"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def edit_view(form: ProfileForm) -> dict[str, Any]:
    """The modal for views.open, filled with the current settings."""
    blocks: list[dict[str, Any]] = []
    for name, (label, hint, multiline) in _LABELS.items():
        value = getattr(form, name)
        if name == "topics" and value is not None and len(value) > MAX_INPUT:
            blocks.append({"type": "section", "block_id": "topics_too_long", "text": {"type": "mrkdwn",
                "text": f"Your topics are {len(value):,} characters, more than this form's {MAX_INPUT:,}; "
                        "change them with `/paperbot topics set <text>`."}})  # fmt: skip
            continue
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": ACTION, "multiline": multiline,
                                   "max_length": MAX_INPUT if multiline else 100}  # fmt: skip
        if value:
            element["initial_value"] = value
        blocks.append({"type": "input", "block_id": name, "label": _text(label), "hint": _text(hint),
                       "optional": name not in _REQUIRED, "element": element})  # fmt: skip
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _text("Edit your paperbot"),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": blocks,
    }


def submitted(view: dict[str, Any]) -> ProfileForm:
    """What a view_submission carries, as a form; a field the modal left out stays unchanged."""
    values = (view.get("state") or {}).get("values") or {}
    given: dict[str, str | None] = {}
    for field in fields(ProfileForm):
        block = values.get(field.name)
        if block is None:
            given[field.name] = None
            continue
        given[field.name] = str((block.get(ACTION) or {}).get("value") or "")
    return ProfileForm(**given)
