"""Access JWTs (algorithm pinned, expiry against an injected clock) and API key formats."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from propdesk.auth import tokens

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)


def an_access_token(now: datetime = T0, secret: str = SECRET) -> str:
    return tokens.encode_access_token(
        user_id=7, session_id="family-1", now=now, ttl=TTL, secret_key=secret
    )


def test_access_token_when_decoded_within_ttl_then_claims_returned() -> None:
    token = an_access_token()

    claims = tokens.decode_access_token(
        token, secret_key=SECRET, now=T0 + TTL - timedelta(seconds=1)
    )

    assert claims.user_id == 7
    assert claims.session_id == "family-1"
    assert claims.expires_at == int((T0 + TTL).timestamp())


def test_access_token_when_claims_read_then_type_jti_iat_present() -> None:
    payload = jwt.decode(
        an_access_token(),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )

    assert payload["type"] == "access"
    assert payload["sub"] == "7"
    assert payload["iat"] == int(T0.timestamp())
    assert len(payload["jti"]) == 32


def test_access_token_when_decoded_at_expiry_then_expired() -> None:
    token = an_access_token()

    with pytest.raises(tokens.ExpiredTokenError):
        tokens.decode_access_token(token, secret_key=SECRET, now=T0 + TTL)


def test_access_token_when_signed_with_another_key_then_invalid() -> None:
    token = an_access_token(secret="another-secret-that-is-long-enough-for-hs256")

    with pytest.raises(tokens.InvalidTokenError):
        tokens.decode_access_token(token, secret_key=SECRET, now=T0)


def test_access_token_when_signed_with_another_algorithm_then_invalid() -> None:
    claims = jwt.decode(
        an_access_token(),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    token = jwt.encode(claims, SECRET + SECRET, algorithm="HS512")

    with pytest.raises(tokens.InvalidTokenError):
        tokens.decode_access_token(token, secret_key=SECRET + SECRET, now=T0)


def test_access_token_when_unsigned_alg_none_then_invalid() -> None:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": "7", "sid": "f", "type": "access", "iat": 0, "exp": 2**40, "jti": "x"}
    token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."

    with pytest.raises(tokens.InvalidTokenError):
        tokens.decode_access_token(token, secret_key=SECRET, now=T0)


@pytest.mark.parametrize("missing", ["sub", "sid", "type", "exp", "jti"])
def test_access_token_when_claim_missing_then_invalid(missing: str) -> None:
    claims = {"sub": "7", "sid": "f", "type": "access", "iat": 0, "exp": 2**40, "jti": "x"}
    del claims[missing]
    token = jwt.encode(claims, SECRET, algorithm="HS256")

    with pytest.raises(tokens.InvalidTokenError):
        tokens.decode_access_token(token, secret_key=SECRET, now=T0)


def test_access_token_when_type_is_not_access_then_invalid() -> None:
    claims = {"sub": "7", "sid": "f", "type": "refresh", "iat": 0, "exp": 2**40, "jti": "x"}
    token = jwt.encode(claims, SECRET, algorithm="HS256")

    with pytest.raises(tokens.InvalidTokenError, match="not an access token"):
        tokens.decode_access_token(token, secret_key=SECRET, now=T0)


def test_api_key_when_made_then_parses_back_to_prefix_and_secret() -> None:
    new = tokens.new_api_key()

    parsed = tokens.parse_api_key(new.key)

    assert new.key.startswith(f"pd_{new.prefix}_")
    assert parsed == (new.prefix, new.secret)
    assert tokens.secret_matches(new.secret, tokens.sha256(new.secret))
    assert not tokens.secret_matches(new.secret + "x", tokens.sha256(new.secret))


@pytest.mark.parametrize(
    "key", ["", "pd_", "pd__secret", "pd_prefix_", "xx_prefix_secret", "plain"]
)
def test_api_key_when_malformed_then_not_parsed(key: str) -> None:
    assert tokens.parse_api_key(key) is None


def test_refresh_tokens_when_made_then_unique_and_hash_is_not_the_token() -> None:
    first, second = tokens.new_refresh_token(), tokens.new_refresh_token()

    assert first != second
    assert len(first) >= 43
    assert tokens.sha256(first) != first
    assert len(tokens.sha256(first)) == 64
