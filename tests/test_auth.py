"""Who is asking: signed values keep to their purpose, and a refused scope reads as English."""

from __future__ import annotations

import pytest

from locator.domain.errors import NotAllowed
from locator.services import auth

SECRET = "a test key, long enough to sign with"


def test_a_value_signed_for_one_purpose_never_loads_for_another() -> None:
    signer = auth.Signer(SECRET)
    session = signer.dumps({"uid": 1, "csrf": "x"}, purpose="session")
    assert signer.loads(session, 60, purpose="session") == {"uid": 1, "csrf": "x"}
    for other in ["login", "report-form", "note"]:
        assert signer.loads(session, 60, purpose=other) is None
    assert auth.Signer("another key").loads(session, 60, purpose="session") is None


def test_a_scope_beyond_the_role_is_refused_in_plain_words() -> None:
    with pytest.raises(NotAllowed) as refused:
        auth.check_scopes("editor", ["reports:moderate", "facilities:delete"])
    assert refused.value.detail == "An editor cannot hold facilities:delete"
    assert auth.check_scopes("admin", ["facilities:delete"]) == ["facilities:delete"]
