"""Exact resume: what is left of a delivery, from the journal of accepted messages.

Each message a platform accepts is journalled with the ids of the papers it carried. A fresh
delivery records the papers it promises; a resumed one rebuilds exactly the promised papers no
accepted message carried, whatever the user changed since (top-N, thresholds, keywords,
categories, votes), instead of a fresh digest split differently. A delivery is recorded as
having sent only the promised papers an accepted message really carried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.deliver.sender import Progress, parse_entry
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.models import Claim, Profile
from storage import deliveries

if TYPE_CHECKING:
    from sqlmodel import Session


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
    digest.continued = bool(journal)  # its header went out with the first message
    return digest, Progress(done=done)


def sent_papers(claim: Claim, entries: list[str]) -> list[str]:
    """What the row records as delivered: the promised papers an accepted message carried."""
    journal = [parse_entry(e) for e in entries]
    if any(papers is None for _, papers in journal):
        return list(claim.paper_ids)
    carried = {p for _, papers in journal for p in papers or ()}
    return [p for p in claim.paper_ids if p in carried]
