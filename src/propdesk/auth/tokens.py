"""Credential formats: signed access JWTs, opaque refresh tokens, `pd_<prefix>_<secret>` keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
ACCESS = "access"
API_KEY_MARK = "pd"


class InvalidTokenError(Exception):
    """Not a token this server issued (bad signature, malformed, wrong type)."""


class ExpiredTokenError(InvalidTokenError):
    pass


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str
    """The refresh-token family of the sign-in: revoking it revokes this token too."""
    expires_at: int


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_family_id() -> str:
    return uuid.uuid4().hex


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def encode_access_token(
    *, user_id: int, session_id: str, now: datetime, ttl: timedelta, secret_key: str
) -> str:
    issued = int(now.timestamp())
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "type": ACCESS,
        "iat": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: str, now: datetime) -> AccessClaims:
    """Verify the signature with the one pinned algorithm, then expiry against `now` (the
    caller's clock, so that tests need not sleep)."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            options={
                "require": ["sub", "sid", "type", "iat", "exp", "jti"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    if claims["type"] != ACCESS:
        raise InvalidTokenError("not an access token")
    try:
        user_id = int(claims["sub"])
        expires_at = int(claims["exp"])
        session_id = str(claims["sid"])
    except (TypeError, ValueError) as error:
        raise InvalidTokenError("malformed claims") from error
    if expires_at <= now.timestamp():
        raise ExpiredTokenError("the access token has expired")
    return AccessClaims(user_id=user_id, session_id=session_id, expires_at=expires_at)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    prefix: str
    secret: str

    @property
    def key(self) -> str:
        """What the owner is shown once and sends as `X-API-Key`."""
        return f"{API_KEY_MARK}_{self.prefix}_{self.secret}"


def new_api_key() -> NewApiKey:
    # The prefix is hex (no "_"), so that splitting the key at its first two "_" is exact.
    return NewApiKey(prefix=secrets.token_hex(6), secret=secrets.token_urlsafe(32))


def parse_api_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret), or None when the key does not have our shape."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_MARK or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(sha256(secret), stored_hash)
