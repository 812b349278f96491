"""Channel secrets at rest (channels/secrets.py): sealed, opened, and opened again from
the process's memo of opened tokens - which must never open a token for another key."""

from __future__ import annotations

import pytest

from orderwell.channels.secrets import seal, secret_box, unseal
from orderwell.domain.errors import SecretsUnreadable
from orderwell.store.db import Database


def test_opened_again_alike_and_the_caller_cannot_change_the_memo(db: Database) -> None:
    box = secret_box(db, "key-one")
    token = seal(box, {"webhook_secret": "s3cret", "access_token": "tok"})
    assert token is not None and "s3cret" not in token
    first = unseal(box, token)
    first["webhook_secret"] = "changed by a caller"
    assert unseal(box, token) == {"webhook_secret": "s3cret", "access_token": "tok"}
    assert unseal(box, None) == {}


def test_another_key_cannot_open_a_token_this_process_has_opened(db: Database) -> None:
    token = seal(secret_box(db, "key-one"), {"webhook_secret": "s3cret"})
    assert unseal(secret_box(db, "key-one"), token) == {"webhook_secret": "s3cret"}
    with pytest.raises(SecretsUnreadable, match="ORDERWELL_SECRET_KEY"):
        unseal(secret_box(db, "key-two"), token)
