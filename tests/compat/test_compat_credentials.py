"""OAuth clients and access tokens that stand for an API key (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from ringback.compat import credentials

KEY = "rbk_1a2b3c4d_s3cr3t_with-underscores_and-dashes"
HASH = "0" * 64
AT = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def test_a_key_is_an_oauth_client_and_back() -> None:
    client = credentials.client_for_key(KEY)
    assert client.client_id == "rbk_1a2b3c4d"
    assert client.client_secret == "s3cr3t_with-underscores_and-dashes"
    assert credentials.key_for_client(client.client_id, client.client_secret) == KEY
    # The whole key as the secret, with its own client id or none.
    assert credentials.key_for_client(client.client_id, KEY) == KEY
    assert credentials.key_for_client("", KEY) == KEY
    assert credentials.key_for_client("rbk_ffffffff", KEY) is None


def test_what_is_not_a_client() -> None:
    for client_id, secret in [
        ("", "x"),
        ("rbk_", "x"),
        ("rbk_1a2b3c4d", ""),
        ("abc_1a2b3c4d", "x"),
        ("rbk_1a2b_3c4d", "x"),
    ]:
        assert credentials.key_for_client(client_id, secret) is None, (client_id, secret)


def test_a_token_names_its_key_and_expiry_and_is_signed_for_that_key() -> None:
    token = credentials.issue_token(prefix="1a2b3c4d", secret_hash=HASH, expires_at=AT)
    assert credentials.is_token(token) and not credentials.is_token(KEY)
    claims = credentials.read_token(token)
    assert claims == credentials.TokenClaims("1a2b3c4d", AT)
    assert credentials.token_is_genuine(token, secret_hash=HASH)
    # Another key's hash (a rotated or another key), a changed expiry or prefix: not genuine.
    assert not credentials.token_is_genuine(token, secret_hash="1" * 64)
    later = token.replace(str(int(AT.timestamp())), str(int(AT.timestamp()) + 3600))
    assert credentials.read_token(later) is not None
    assert not credentials.token_is_genuine(later, secret_hash=HASH)
    other = token.replace("1a2b3c4d", "ffffffff")
    assert not credentials.token_is_genuine(other, secret_hash=HASH)


def test_malformed_tokens_are_read_as_none() -> None:
    for token in [
        "rbo_x",
        "rbo_1a2b_soon_mac",
        "rbk_1a2b3c4d_123_mac",
        "rbo_1a2b_99999999999999999_m",
    ]:
        assert credentials.read_token(token) is None, token
