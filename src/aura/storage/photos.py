"""Uploaded photos: content-addressed (sha256), deduplicated, stored in the database.

Keeping the bytes in the database (not a folder) makes a database dump the single
consistent backup of everything a user sees, and lets replicas on other machines serve
them. A photo is visible only to users who uploaded it (``user_photos``).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aura.storage.schema import Photo, UserPhoto


def put_photo(session: Session, user_id: int, data: bytes, content_type: str) -> str:
    """Store ``data`` once (whoever uploads it) and grant ``user_id`` access; returns sha256."""
    sha = hashlib.sha256(data).hexdigest()
    if session.get(Photo, sha) is None:
        try:
            with session.begin_nested():  # two users uploading the same bytes at once
                session.add(
                    Photo(sha256=sha, content=data, content_type=content_type, size=len(data))
                )
        except IntegrityError:
            pass  # the other upload stored it: same bytes, same key
    if session.get(UserPhoto, (user_id, sha)) is None:
        session.add(UserPhoto(user_id=user_id, sha256=sha))
        session.flush()
    return sha


def user_has_photo(session: Session, user_id: int, sha: str) -> bool:
    return session.get(UserPhoto, (user_id, sha)) is not None


def get_photo(session: Session, user_id: int, sha: str) -> Photo | None:
    """The photo if ``user_id`` may see it, else None (also for photos that do not exist)."""
    return session.scalar(
        select(Photo)
        .join(UserPhoto, UserPhoto.sha256 == Photo.sha256)
        .where(Photo.sha256 == sha, UserPhoto.user_id == user_id)
    )
