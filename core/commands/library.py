"""`/import`: a library the user already has (BibTeX, arXiv ids or links) becomes papers they like.

Pasted text arrives through the text door as the command's argument; a sent file (Telegram
document, Slack file, the CLI's FILE) through `CommandCore.import_file` as bytes. Both end in
`import_library`, in the command's one transaction, so a bad file or a failed fetch imports
nothing.
"""

from __future__ import annotations

from core.commands.core import Context, Reply
from core.commands.syntax import cmd
from core.errors import InputError
from core.library import MAX_BYTES
from core.library.importer import import_library


def import_(ctx: Context, args: str) -> Reply:
    """The text door: `/import` followed by ids, links or BibTeX (or alone: asks for them)."""
    ctx.editable_profile()  # who may import is checked before what they sent
    if not args.strip():
        return Reply(
            "Send your library: arXiv ids or links (one a line) or BibTeX entries, as text after "
            f"{cmd('import')} or as a .bib or .txt file.",
            expects="import",
        )
    return import_data(ctx, args.encode("utf-8"))


def import_data(ctx: Context, data: bytes | None, *, size: int | None = None) -> Reply:
    """The file door's work: the same import for bytes a platform downloaded."""
    profile = ctx.editable_profile()
    assert profile.id is not None
    if size is not None and size > MAX_BYTES:
        raise InputError(
            f"That file is too large ({size // 1000:,} kB); the limit is {MAX_BYTES // 1000:,} kB."
        )
    if data is None:
        raise InputError(
            "I could not fetch that file from the chat; nothing was imported. Please send it again."
        )
    if ctx.library is None:
        raise InputError("Importing a library is not available on this server.")
    report = import_library(ctx.session, profile_id=profile.id, data=data, source=ctx.library)
    return Reply(report.text())
