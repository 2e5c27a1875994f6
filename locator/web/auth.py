"""Who is asking, for routes that write: a Bearer token (apps) or a session cookie (editors).

The session cookie is signed (itsdangerous), HttpOnly, SameSite=Lax, Secure behind TLS, and
expires; every form that changes something carries the session's CSRF token. The sign-in form,
before there is a session, carries a signed token bound to a short-lived cookie of its own, so
another site cannot sign a browser in to an account of its choosing. API writes take
tokens only, so a browser's cookie can never write through the API. Sign-in attempts and
public reports are limited per address, in memory, for the limit's window only.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Response

from locator.domain.errors import NotSignedIn
from locator.domain.vocabulary import Scope
from locator.services import auth
from locator.settings import Settings
from locator.store import accounts
from locator.web.deps import SESSION_COOKIE, AppSettings, Db
from locator.web.limits import Budgets

LOGIN_COOKIE = "locator_login"
LOGIN_FORM_AGE_S = 3600
TOKEN_ALLOWED = "an API token: Authorization: Bearer cpl_... (locator tokens create)"


async def signer(request: Request, pool: Db, settings: AppSettings) -> auth.Signer:
    """The app's signer, from the configured key or the one kept in the database."""
    kept: auth.Signer | None = getattr(request.app.state, "signer", None)
    if kept is None:
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        kept = auth.Signer(key or await accounts.secret(pool, "session"))
        request.app.state.signer = kept
    return kept


SignerDep = Annotated[auth.Signer, Depends(signer)]


async def token_principal(request: Request, pool: Db) -> auth.Principal | None:
    """The token's holder, if the request carries a live token; 401 for a bad one."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("Authorization must be 'Bearer <token>'", "Authorization", TOKEN_ALLOWED)
    found = await accounts.token_by_hash(pool, auth.token_hash(token.strip()))
    if found is None:
        raise NotSignedIn("This token is not valid (unknown or revoked)", "Authorization")
    return auth.token_principal(found)


async def session_principal(
    request: Request, pool: Db, settings: AppSettings, sign: SignerDep
) -> auth.Principal | None:
    """The signed-in editor, if the session cookie is genuine, unexpired and their account live."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    session = sign.loads(cookie, int(settings.session_hours * 3600), purpose="session")
    if not isinstance(session, dict) or not isinstance(session.get("uid"), int):
        return None
    user = await accounts.user_by_id(pool, session["uid"])
    return auth.session_principal(user, str(session.get("csrf", ""))) if user else None


TokenPrincipal = Annotated[auth.Principal | None, Depends(token_principal)]
SessionPrincipal = Annotated[auth.Principal | None, Depends(session_principal)]


def api_writer(scope: Scope):  # type: ignore[no-untyped-def]
    """A dependency: the token holder, who must hold `scope` (401 without a token, else 403)."""

    async def check(principal: TokenPrincipal) -> auth.Principal:
        if principal is None:
            raise NotSignedIn("This needs an API token", "Authorization", TOKEN_ALLOWED)
        principal.require(scope)
        return principal

    return Depends(check)


def csrf_ok(principal: auth.Principal, submitted: str | None) -> bool:
    """True when a form carries the session's CSRF token."""
    return bool(submitted) and hmac.compare_digest(principal.csrf, submitted or "")


def secure(settings: Settings) -> bool:
    """Cookies are Secure behind TLS (or when configured so)."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.public_url.startswith("https://")


@dataclass(frozen=True)
class Cookie:
    """One of the editors' cookies: always HttpOnly, Secure behind TLS."""

    name: str
    samesite: Literal["lax", "strict"]
    path: str

    def set(self, response: Response, settings: Settings, value: str, max_age_s: int) -> None:
        """Give the browser the cookie for `max_age_s` seconds."""
        response.set_cookie(
            self.name,
            value,
            max_age=max_age_s,
            httponly=True,
            samesite=self.samesite,
            secure=secure(settings),
            path=self.path,
        )

    def clear(self, response: Response, settings: Settings) -> None:
        """Have the browser forget the cookie."""
        tls = secure(settings)
        response.delete_cookie(
            self.name, httponly=True, samesite=self.samesite, secure=tls, path=self.path
        )


SESSION = Cookie(SESSION_COOKIE, "lax", "/")
# Sent only to /admin (the sign-in form and its POST), never from another site.
LOGIN = Cookie(LOGIN_COOKIE, "strict", "/admin")


def set_session(response: Response, sign: auth.Signer, settings: Settings, user_id: int) -> None:
    """Sign the editor in: a new session (and CSRF token) each time."""
    value = sign.dumps(auth.new_session(user_id), purpose="session")
    SESSION.set(response, settings, value, int(settings.session_hours * 3600))


def end_session(response: Response, settings: Settings) -> None:
    """Sign out: the cookie is cleared."""
    SESSION.clear(response, settings)


def login_token(sign: auth.Signer) -> tuple[str, str]:
    """A random value to bind a sign-in form to a browser, and the form's token signing it."""
    binding = secrets.token_urlsafe(24)
    return binding, sign.dumps({"login": binding}, purpose="login")


def bind_login(response: Response, settings: Settings, binding: str) -> None:
    """Give the browser the sign-in form's binding, in a cookie, for an hour."""
    LOGIN.set(response, settings, binding, LOGIN_FORM_AGE_S)


def end_login(response: Response, settings: Settings) -> None:
    """Signed in: the sign-in form's cookie is spent."""
    LOGIN.clear(response, settings)


def login_token_ok(request: Request, sign: auth.Signer, token: str) -> bool:
    """True when the sign-in token is recent, ours, and was made for the browser sending it."""
    binding = request.cookies.get(LOGIN_COOKIE)
    signed = sign.loads(token, LOGIN_FORM_AGE_S, purpose="login") if token else None
    bound = signed.get("login") if isinstance(signed, dict) else None
    return bool(binding) and isinstance(bound, str) and hmac.compare_digest(bound, binding or "")


def client_address(request: Request) -> str:
    """The client's address as uvicorn gives it (behind a trusted proxy: the forwarded one)."""
    return request.client.host if request.client else ""


async def spend_report(request: Request, settings: Settings) -> None:
    """One public report from this address (an hour's budget)."""
    budgets: Budgets = request.app.state.budgets
    await budgets.spend(budgets.reports, "report:" + client_address(request), what="reports")


async def spend_sign_in(request: Request, settings: Settings, email: str) -> None:
    """One sign-in attempt from this address and for this account (15 minutes' budget)."""
    budgets: Budgets = request.app.state.budgets
    keys = ("sign-in:" + client_address(request), "sign-in-email:" + email.lower())
    await budgets.spend(budgets.sign_ins, *keys, what="sign-in attempts")
