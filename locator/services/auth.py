"""Who is asking: password hashes (Argon2 via pwdlib), API tokens, signed sessions and forms.

Nothing here knows HTTP: the web layer reads the header or cookie and asks these functions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pwdlib import PasswordHash

from locator.domain.errors import NotAllowed
from locator.domain.vocabulary import Role, Scope

TOKEN_PREFIX = "cpl_"
_hasher = PasswordHash.recommended()
# A hash to verify against when the email is unknown, so a wrong email takes as long as a
# wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 12
# An editor has every scope but deleting; tokens never exceed their user's role.
ROLE_SCOPES = {
    Role.editor: frozenset(s for s in Scope if s is not Scope.facilities_delete),
    Role.admin: frozenset(Scope),
}


def hash_password(password: str) -> str:
    """An Argon2 hash; passwords shorter than MIN_PASSWORD are refused."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_matches(password: str, password_hash: str | None) -> bool:
    """True when the password is right; as slow for an unknown account as for a known one."""
    return _hasher.verify(password, password_hash or _DUMMY_HASH) and password_hash is not None


def new_token() -> tuple[str, str]:
    """A fresh API token and the hash that is kept of it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """Tokens are long and random, so one SHA-256 is enough (unlike passwords)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(role: str, scopes: list[str]) -> list[str]:
    """The scopes, if the role allows them all."""
    allowed = ROLE_SCOPES[Role(role)]
    extra = [s for s in scopes if Scope(s) not in allowed]
    if extra:
        article = "An" if role[:1] in "aeiou" else "A"
        raise NotAllowed(f"{article} {role} cannot hold {', '.join(extra)}", field="scopes")
    return scopes


@dataclass(frozen=True)
class Principal:
    """Someone signed in, through a session or a token, and what they may do."""

    user_id: int
    role: str
    scopes: frozenset[str]
    token_id: int | None = None
    csrf: str = field(default="", repr=False)

    @property
    def actor(self) -> str:
        """How the trail names them: never by email."""
        who = f"{self.role} #{self.user_id}"
        return f"{who} via token #{self.token_id}" if self.token_id else who

    def require(self, scope: Scope) -> None:
        """Raise NotAllowed unless they may do this."""
        if scope.value not in self.scopes:
            raise NotAllowed(
                f"This {'token' if self.token_id else 'account'} may not {scope.words}",
                allowed=f"a token or account with the scope {scope.value}",
            )


def session_principal(user: dict[str, Any], csrf: str) -> Principal:
    """A signed-in editor has every scope of their role."""
    scopes = frozenset(s.value for s in ROLE_SCOPES[Role(user["role"])])
    return Principal(user["id"], user["role"], scopes, csrf=csrf)


def token_principal(token: dict[str, Any]) -> Principal:
    """A token has the scopes it was made with, within its user's role."""
    allowed = {s.value for s in ROLE_SCOPES[Role(token["role"])]}
    scopes = frozenset(s for s in token["scopes"] if s in allowed)
    return Principal(token["user_id"], token["role"], scopes, token_id=token["id"])


class Signer:
    """Signed, timestamped values, each for one purpose ("session", "login", "report-form",
    "note"). The purpose is the salt, so a value signed for one purpose never loads for another.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        if purpose not in self._serializers:
            self._serializers[purpose] = URLSafeTimedSerializer(self._secret, salt=purpose)
        return self._serializers[purpose]

    def dumps(self, value: Any, *, purpose: str) -> str:
        """The value, signed with the time, for `purpose` only."""
        return str(self._serializer(purpose).dumps(value))

    def loads(self, signed: str, max_age_s: int, *, purpose: str) -> Any | None:
        """The value, or None when forged, altered, signed for another purpose or older than
        `max_age_s`."""
        try:
            return self._serializer(purpose).loads(signed, max_age=max_age_s)
        except BadSignature:
            return None


def new_session(user_id: int) -> dict[str, Any]:
    """What a session cookie holds: the user and the CSRF token of their forms."""
    return {"uid": user_id, "csrf": secrets.token_urlsafe(24)}
