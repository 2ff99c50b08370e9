"""Identity settings: production refuses development secrets; sign-up defaults by mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from propdesk.config import Settings

PRODUCTION_SECRET = "a-production-secret-of-at-least-32-chars"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_signup_when_unset_in_development_then_on() -> None:
    assert settings().signup_enabled is True


def test_signup_when_unset_in_production_then_off() -> None:
    production = settings(
        env="production", secret_key=PRODUCTION_SECRET, admin_password="pw-12345678"
    )

    assert production.signup_enabled is False


def test_signup_when_explicitly_on_in_production_then_on() -> None:
    production = settings(
        env="production",
        secret_key=PRODUCTION_SECRET,
        admin_password="pw-12345678",
        allow_signup=True,
    )

    assert production.signup_enabled is True


def test_production_when_admin_password_unset_then_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="PROPDESK_ADMIN_PASSWORD"):
        settings(env="production", secret_key=PRODUCTION_SECRET)


def test_production_when_development_secret_then_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="PROPDESK_SECRET_KEY"):
        settings(env="production", admin_password="pw-12345678")


def test_production_when_secret_key_short_then_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        settings(env="production", secret_key="short", admin_password="pw-12345678")


@pytest.mark.parametrize("limit", ["", "ten per minute", "10/fortnight"])
def test_rate_limit_when_unparseable_then_refused(limit: str) -> None:
    with pytest.raises(ValidationError, match="not a rate limit"):
        settings(rate_limit_auth=limit)


def test_admin_password_when_printed_then_masked() -> None:
    configured = settings(admin_password="visible-if-leaked")

    assert "visible-if-leaked" not in repr(configured)
    assert "visible-if-leaked" not in str(configured.model_dump())


def test_admin_password_when_shorter_than_8_then_refused() -> None:
    with pytest.raises(ValidationError, match="at least 8 characters"):
        settings(admin_password="short")


def test_refusal_when_printed_then_shows_no_other_secret() -> None:
    with pytest.raises(ValidationError) as refused:
        settings(
            env="production", secret_key="a-real-but-short-key", admin_password="real-admin-pw"
        )

    assert "at least 32" in str(refused.value)
    assert "a-real-but-short-key" not in str(refused.value)
    assert "real-admin-pw" not in str(refused.value)
