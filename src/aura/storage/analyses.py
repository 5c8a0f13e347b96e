"""Garment analyses in the database: the record of what a stored photo was analysed as.

An analysis is kept when its photo is kept (``POST /wardrobe/items/from-photo``), keyed by
the photo's sha256 and the analysis fingerprint (model, revision, parameters): the cache
(:mod:`aura.storage.cache`) makes repeats fast, this table makes them survive a cache
that was emptied or a restart of the embedded mode.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.storage.schema import GarmentAnalysis


def record_analysis(
    session: Session, user_id: int, photo_sha256: str, fingerprint: str, result: dict[str, Any]
) -> None:
    """Keep ``result`` in the caller's transaction (once per user, photo and fingerprint)."""
    if find_analysis(session, user_id, photo_sha256, fingerprint) is None:
        session.add(
            GarmentAnalysis(
                user_id=user_id, photo_sha256=photo_sha256, model=fingerprint, result=result
            )
        )
        session.flush()


def find_analysis(
    session: Session, user_id: int, photo_sha256: str, fingerprint: str
) -> dict[str, Any] | None:
    """The user's earlier analysis of this photo with the same fingerprint, if any."""
    row = session.scalar(
        select(GarmentAnalysis)
        .where(
            GarmentAnalysis.user_id == user_id,
            GarmentAnalysis.photo_sha256 == photo_sha256,
            GarmentAnalysis.model == fingerprint,
        )
        .order_by(GarmentAnalysis.id.desc())
        .limit(1)
    )
    return dict(row.result) if row is not None else None
