"""Aura's error hierarchy.

Every error carries a ``fix``: one sentence that tells the reader what to do next.
Subclasses also inherit the closest stdlib type, so callers that do not know Aura
can still catch them generically (``except OSError`` catches a ``LayoutError``).
"""

from __future__ import annotations


class AuraError(Exception):
    """Base class. ``str(err)`` is the problem; ``err.fix`` is what to do about it."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message

    def to_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "message": self.message, "fix": self.fix}


class ConfigError(AuraError, ValueError):
    """A setting is missing, malformed or unsafe."""


class LayoutError(AuraError, OSError):
    """The data tree is missing, malformed, not writable or out of space."""


class DependencyUnavailable(AuraError, ConnectionError):
    """A configured backing service (database, Redis, an LLM server) cannot be reached."""

    http_status = 502


class ModelMissing(AuraError, FileNotFoundError):
    """A model a service needs is not in the local store."""


class NotReady(AuraError, RuntimeError):
    """The platform has not finished starting up, or a model a route needs is still loading.

    Answered as 503 with ``Retry-After: retry_after`` (seconds).
    """

    def __init__(self, message: str, *, fix: str | None = None, retry_after: int = 2) -> None:
        super().__init__(message, fix=fix)
        self.retry_after = retry_after


class ServiceNotServed(AuraError, RuntimeError):
    """A route needs a service that this process does not serve (see AURA_SERVICE)."""

    http_status = 503


class LockHeld(AuraError, RuntimeError):
    """Another process holds the exclusive lock on a directory."""


class BackupError(AuraError, ValueError):
    """A backup archive is invalid, tampered with, unsafe, or cannot be restored here."""


class ModelDownloadFailed(AuraError, ConnectionError):
    """A model could not be downloaded (hub unreachable, offline mode, or bad content)."""


class ModelOffline(ModelDownloadFailed):
    """A model is not in the store and offline mode (AURA_OFFLINE, HF_HUB_OFFLINE) forbade
    asking the hub: nothing was attempted."""


class ModelCorrupt(AuraError, ValueError):
    """A model's files do not match their manifest (size or checksum)."""


class NotFound(AuraError, LookupError):
    """The requested object does not exist (or belongs to someone else: same answer)."""

    http_status = 404


class InvalidInput(AuraError, ValueError):
    """A request is well-formed but its content is not acceptable."""

    http_status = 422


class Conflict(AuraError, RuntimeError):
    """A valid request that the object's present state refuses (lent out, not on loan)."""

    http_status = 409


class DatasetError(AuraError, ValueError):
    """A training or evaluation data set is missing files or does not follow its format."""


class ImageRejected(AuraError, ValueError):
    """An uploaded image cannot be analysed. ``reason`` is a stable code for API clients
    (``empty``, ``too_large``, ``too_many_pixels``, ``not_an_image``, ``truncated``,
    ``corrupt``) and ``http_status`` the 4xx the API answers with."""

    def __init__(self, message: str, *, reason: str, http_status: int = 422, fix: str) -> None:
        super().__init__(message, fix=fix)
        self.reason = reason
        self.http_status = http_status

    def to_dict(self) -> dict[str, str | None]:
        return {**super().to_dict(), "reason": self.reason}
