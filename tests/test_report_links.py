"""A venue's fault-reporting link (`report_url`) may be a web page, an email address or a phone
line; the facility page's link text says which."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from locator.domain.record import ReportLink
from locator.web.pages.words import report_link_words

LINK = TypeAdapter(ReportLink)


def test_report_links_may_be_web_mail_or_phone_and_say_which() -> None:
    assert report_link_words(LINK.validate_python("https://example.org/fault")) == (
        "the venue’s own page for reporting problems"
    )
    assert report_link_words(LINK.validate_python("mailto:care@example.org?subject=Hoist")) == (
        "email care@example.org"
    )
    assert report_link_words(LINK.validate_python("tel:+44 24 7683 2222")) == (
        "phone +44 24 7683 2222"
    )


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "tel:javascript:alert(1)", "tel:", "data:text/html,x"]
)
def test_other_report_links_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="must be a"):
        LINK.validate_python(bad)
