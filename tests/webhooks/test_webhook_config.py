"""[[webhooks]] in the configuration file: validated with the rest, applied by name, exported
without secrets; and migration 0008 makes exactly the tables the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from tests.contacts.test_contacts_schema import _tables_named
from tests.support import TEST_CONFIG

from ringback.clock import ManualClock
from ringback.config.loader import ConfigFileError, dump_config, parse_config
from ringback.config.service import apply_config, export_config
from ringback.db import Database, sync_url
from ringback.errors import RingbackError
from ringback.models import metadata
from ringback.webhooks import repository
from ringback.webhooks.config import new_secret
from ringback.webhooks.models import EndpointSource

pytestmark = pytest.mark.anyio
TABLES = {"webhook_endpoints", "webhook_events", "webhook_deliveries", "webhook_attempts"}
SECRET = new_secret()


def with_webhooks(entries: str) -> str:
    return TEST_CONFIG + entries


CRM = f'''
[[webhooks]]
name = "crm"
url = "https://crm.example.com/hooks/ringback"
secret = "{SECRET}"
event_types = ["callback.completed", "callback.failed"]
services = ["support"]
'''


def test_the_migrated_tables_match_the_models(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= TABLES
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, metadata) if _tables_named(d) & TABLES]
    engine.dispose()
    assert differences == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('name = "a"\nurl = "mailto:x@y.z"', "webhooks[0] (a).url: must be an absolute"),
        (
            'name = "a"\nurl = "https://x.example"\nsecret = "s3cret"',
            "webhooks[0] (a).secret: must be whsec_",
        ),
        ('name = "a"\nurl = "https://x.example"\nevent_types = ["callback.lost"]', "event_types"),
        ('name = "a"\nurl = "https://x.example"\nservices = ["nowhere"]', "no service named"),
        ('name = "a"\nurl = "https://x.example"\nretries = 3', "retries"),
    ],
)
def test_a_bad_entry_is_refused_with_its_place(entry: str, problem: str) -> None:
    with pytest.raises(ConfigFileError) as refused:
        parse_config(with_webhooks(f"\n[[webhooks]]\n{entry}\n"), source="site.toml")
    assert problem in refused.value.detail


def test_two_entries_of_one_name_are_refused() -> None:
    twice = CRM + CRM.replace("crm.example.com", "other.example.com")
    with pytest.raises(ConfigFileError, match="'crm' is defined twice"):
        parse_config(with_webhooks(twice), source="site.toml")


async def test_entries_are_applied_by_name_and_exported_without_secrets(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(with_webhooks(CRM), source="x"), now=clock.now()
        )
    async with db.transaction() as session:
        (stored,) = await repository.endpoints(session, source=EndpointSource.CONFIG)
        exported = dump_config(await export_config(session))
    assert (stored.name, stored.secret, stored.services) == ("crm", SECRET, ["support"])
    assert stored.event_types == ["callback.completed", "callback.failed"]
    assert stored.api_key_id is None
    assert "crm.example.com" in exported and SECRET not in exported and "whsec_" not in exported

    # The exported file applies as it is: the stored secret stays.
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(exported, source="export"), now=clock.now())
    async with db.transaction() as session:
        (kept,) = await repository.endpoints(session, source=EndpointSource.CONFIG)
    assert kept.id == stored.id and kept.secret == SECRET

    # A new secret: the old one signs alongside for a day.
    other = new_secret()
    async with db.transaction() as session:
        config = parse_config(with_webhooks(CRM.replace(SECRET, other)), source="x")
        await apply_config(session, config=config, now=clock.now())
    async with db.transaction() as session:
        (rotated,) = await repository.endpoints(session, source=EndpointSource.CONFIG)
    assert (rotated.secret, rotated.previous_secret) == (other, SECRET)

    # Left out of the file: deleted.
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(TEST_CONFIG, source="x"), now=clock.now())
    async with db.transaction() as session:
        assert await repository.endpoints(session) == []


async def test_a_new_entry_without_a_secret_is_refused(db: Database, clock: ManualClock) -> None:
    entry = '\n[[webhooks]]\nname = "crm"\nurl = "https://crm.example.com/hook"\n'
    with pytest.raises(RingbackError) as refused:
        async with db.transaction() as session:
            await apply_config(
                session, config=parse_config(with_webhooks(entry), source="x"), now=clock.now()
            )
    assert refused.value.code == "webhook-secret-required"
    assert "webhooks[0] (crm).secret" in refused.value.detail
