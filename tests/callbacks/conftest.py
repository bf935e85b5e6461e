"""What the callbacks tests share: a configuration whose callbacks expire."""

from __future__ import annotations

import pytest
from tests.support import TEST_CONFIG

from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database

# The "anytime" service (always open) lets callbacks wait two hours past their desired time.
EXPIRING_CONFIG = TEST_CONFIG.replace(
    'name = "anytime"\n', 'name = "anytime"\nexpire_after_hours = 2\n', 1
)


@pytest.fixture
async def expiring_db(db: Database, clock: ManualClock) -> Database:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(EXPIRING_CONFIG, source="test.toml"), now=clock.now()
        )
    return db
