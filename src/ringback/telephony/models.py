"""What the database keeps of a shared switch: how far its event stream has been applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base


class SwitchCursor(Base):
    """The last event of a switch service applied by any node, in the same transaction."""

    __tablename__ = "switch_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
