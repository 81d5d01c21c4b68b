"""Exact resume: what is left of a delivery, from the journal of accepted messages.

Each message a platform accepts is journalled with the ids of the papers it carried. A fresh
delivery records the papers it promises; a resumed one rebuilds exactly the promised papers no
accepted message carried, whatever the user changed since (top-N, thresholds, keywords,
categories, votes), instead of a fresh digest split differently. A delivery is recorded as
sent only when accepted messages carried every promised paper; otherwise it fails (and is
retried for the rest), so a paper a platform never took is never recorded as delivered.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.deliver.sender import Progress, parse_entry
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.models import Claim, Profile
from storage import deliveries

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)


def digest_to_send(
    session: Session, builder: DigestBuilder, claim: Claim, view: Profile
) -> tuple[Digest | None, Progress]:
    """The digest still to send and where its journal stands (None: nothing is left)."""
    journal = [parse_entry(e) for e in claim.message_ids]
    done = [message for message, _ in journal]
    if not claim.paper_ids and not journal:
        digest = builder.build(session, view, claim.day)
        ids = [e.paper.id for e in digest.entries]
        if ids:
            deliveries.set_papers(session, claim.id, ids)
            claim.paper_ids[:] = ids
        return digest, Progress()
    if any(papers is None for _, papers in journal):  # journalled before messages named papers
        digest = builder.build(session, view, claim.day)
        kept = set(claim.paper_ids)
        digest.entries = [e for e in digest.entries if e.paper.id in kept] if kept else digest.entries
        return digest, Progress(done=done, skip=len(journal))
    carried = {p for _, papers in journal for p in papers or ()}
    missing = [p for p in claim.paper_ids if p not in carried]
    if not missing and journal:
        return None, Progress(done=done)
    digest = builder.build_promised(session, view, claim.day, missing)
    built = {e.paper.id for e in digest.entries}
    if gone := [p for p in missing if p not in built]:  # no longer in the day: dropped from the promise
        log.warning("delivery %s: %d promised papers are gone from the day", claim.id, len(gone))
        claim.paper_ids[:] = [p for p in claim.paper_ids if p not in gone]
        deliveries.set_papers(session, claim.id, claim.paper_ids)
    digest.continued = bool(journal)  # its header went out with the first message
    return digest, Progress(done=done)


class Undelivered(Exception):
    """Promised papers that no accepted message carried: a failure to retry, never a "sent"."""


def sent_papers(claim: Claim, entries: list[str]) -> list[str]:
    """What the row records as delivered: every promised paper, each carried by an accepted
    message; raises `Undelivered` when some were not (the retry sends just those)."""
    journal = [parse_entry(e) for e in entries]
    if any(papers is None for _, papers in journal):
        return list(claim.paper_ids)
    carried = {p for _, papers in journal for p in papers or ()}
    missing = [p for p in claim.paper_ids if p not in carried]
    if missing:
        raise Undelivered(f"{len(missing)} promised papers were not carried by any accepted message")
    return list(claim.paper_ids)
