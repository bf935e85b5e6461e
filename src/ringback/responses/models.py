"""Standard response tables, filled by applying the configuration file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringback.config.models import ServiceRow
from ringback.db import Base


class StandardResponse(Base):
    """A prewritten text; one removed from the file is retired (inactive), not deleted."""

    __tablename__ = "standard_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    category: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Folded title, category and text (see contacts.normalise.fold), searched on both databases.
    search_key: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)  # order in the configuration file
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]

    service_links: Mapped[list[StandardResponseService]] = relationship(
        order_by="StandardResponseService.position", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def services(self) -> list[str]:
        """The services it is offered on; empty for every service."""
        return [link.service.name for link in self.service_links]


class StandardResponseService(Base):
    """Limits a response to some services; a response without any is offered on all."""

    __tablename__ = "standard_response_services"

    response_id: Mapped[int] = mapped_column(ForeignKey("standard_responses.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)

    service: Mapped[ServiceRow] = relationship(lazy="raise")
