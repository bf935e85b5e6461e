"""Keys the nodes share: made once, at the first start, when no secret key is configured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base


class SigningKey(Base):
    """A random secret every node reads; never updated once written, never logged."""

    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # what it signs
    secret: Mapped[str] = mapped_column(String(100))  # base64url of random bytes
    created_at: Mapped[datetime]
