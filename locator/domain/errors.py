"""Errors a caller can act on, free of HTTP: the web maps each class to a status code.

Each says what is wrong, which input is at fault and what that input allows, so the API, the
pages and the CLI can all tell a person how to put it right.
"""

from __future__ import annotations

from typing import Any


class LocatorError(Exception):
    """Something the caller asked for cannot be answered as asked."""

    def __init__(self, detail: str, field: str | None = None, allowed: str | None = None):
        super().__init__(detail)
        self.detail, self.field, self.allowed = detail, field, allowed

    def body(self) -> dict[str, Any]:
        """`{"detail": ..., "field": ..., "allowed": ...}` without the parts that are not set."""
        body: dict[str, Any] = {"detail": self.detail}
        if self.field:
            body["field"] = self.field
        if self.allowed:
            body["allowed"] = self.allowed
        return body


class BadParameter(LocatorError):
    """A value the caller gave is not acceptable."""


class NotFound(LocatorError):
    """No such thing."""


class NotSignedIn(LocatorError):
    """The request needs a valid API token or an editor's session."""


class NotAllowed(LocatorError):
    """The token or account is valid but may not do this."""


class VersionRequired(LocatorError):
    """A change must say which version it was made against (If-Match)."""


class VersionConflict(LocatorError):
    """Someone else changed the facility since the version the change was made against."""


class Conflict(LocatorError):
    """The request clashes with what is stored (an id already taken, a report already decided)."""


class TooLarge(LocatorError):
    """The body is larger than this endpoint accepts."""


class Unsupported(LocatorError):
    """The body is of a type this endpoint does not accept."""


class TooMany(LocatorError):
    """Too many requests of this kind from this address; try again later."""

    def __init__(self, detail: str, retry_after_s: int, allowed: str | None = None):
        super().__init__(detail, allowed=allowed)
        self.retry_after_s = retry_after_s
