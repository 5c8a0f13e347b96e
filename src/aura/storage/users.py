"""Users and their API keys. Keys are shown once and stored only as their sha256.

A key is 32 random bytes (256 bits), so a plain sha256 is enough: there is nothing to
brute-force, and lookups stay one indexed equality query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aura.errors import AuraError
from aura.storage.db import Database
from aura.storage.schema import ApiKey, User, utcnow

KEY_PREFIX = "aura_"


class UserExists(AuraError, ValueError):
    """A user of that name exists already."""


class UnknownUser(AuraError, LookupError):
    """No user of that name."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    user_id: int
    name: str
    key_id: int


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_user(db: Database, name: str) -> tuple[int, str]:
    """Create a user and a first key; returns (user id, the key in clear, never stored)."""
    key = _new_key()
    try:
        with db.session() as s:
            user = User(name=name)
            s.add(user)
            s.flush()
            s.add(ApiKey(user_id=user.id, key_hash=hash_key(key), prefix=key[:12]))
            user_id = user.id
    except IntegrityError:
        raise UserExists(
            f"A user named {name!r} exists already.",
            fix=f"Pick another name, or give {name!r} a new key: `aura users new-key {name}`.",
        ) from None
    return user_id, key


def new_key(db: Database, name: str) -> str:
    key = _new_key()
    with db.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UnknownUser(f"No user named {name!r}.", fix="`aura users list` shows them.")
        s.add(ApiKey(user_id=user.id, key_hash=hash_key(key), prefix=key[:12]))
    return key


def revoke_keys(db: Database, name: str) -> int:
    with db.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UnknownUser(f"No user named {name!r}.", fix="`aura users list` shows them.")
        keys = s.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        ).all()
        for k in keys:
            k.revoked_at = utcnow()
        return len(keys)


def list_users(db: Database) -> list[dict[str, object]]:
    with db.session() as s:
        rows = s.execute(select(User).order_by(User.id)).scalars().all()
        return [{"id": u.id, "name": u.name, "created_at": u.created_at} for u in rows]


def user_id_by_name(db: Database, name: str) -> int | None:
    with db.session() as s:
        return s.scalar(select(User.id).where(User.name == name))


def authenticate(db: Database, key: str) -> Principal | None:
    """The principal owning ``key``, or None for an unknown or revoked key."""
    with db.session() as s:
        row = s.execute(
            select(ApiKey.id, User.id, User.name)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    return Principal(user_id=row[1], name=row[2], key_id=row[0])
