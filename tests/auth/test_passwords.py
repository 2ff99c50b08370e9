"""Argon2id hashing through pwdlib, with the cost as settings."""

from __future__ import annotations

from propdesk.auth.passwords import PasswordHasher


def cheap(time_cost: int = 1) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_kib=8, parallelism=1)


async def test_hash_when_verified_with_the_password_then_matches() -> None:
    hasher = cheap()

    stored = await hasher.hash("correct-horse-battery")

    assert stored.startswith("$argon2id$")
    assert "correct-horse-battery" not in stored
    assert await hasher.verify("correct-horse-battery", stored) == (True, None)


async def test_hash_when_verified_with_another_password_then_no_match() -> None:
    hasher = cheap()
    stored = await hasher.hash("correct-horse-battery")

    matches, _ = await hasher.verify("wrong-horse-battery", stored)

    assert matches is False


async def test_hash_when_same_password_twice_then_salted_differently() -> None:
    hasher = cheap()

    assert await hasher.hash("same-password") != await hasher.hash("same-password")


async def test_verify_when_cost_changed_then_returns_an_upgraded_hash() -> None:
    old = await cheap(time_cost=1).hash("correct-horse-battery")
    stronger = cheap(time_cost=2)

    matches, upgraded = await stronger.verify("correct-horse-battery", old)

    assert matches is True
    assert upgraded is not None
    assert "t=2" in upgraded
    assert await stronger.verify("correct-horse-battery", upgraded) == (True, None)


async def test_burn_when_called_then_spends_a_verification_without_error() -> None:
    hasher = cheap()

    await hasher.burn("any-password")
    await hasher.burn("any-password")  # the dummy hash is made once and reused

    assert hasher._dummy is not None
