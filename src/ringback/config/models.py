"""Tables the configuration document is applied to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base


class QueueRow(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    settings: Mapped[dict[str, Any]]
    position: Mapped[int] = mapped_column(default=0)  # order in the configuration file
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class ServiceRow(Base):
    """A callback service; ``settings`` holds its validated ServiceConfig."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    settings: Mapped[dict[str, Any]]
    position: Mapped[int] = mapped_column(default=0)  # order in the configuration file
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class DispositionCodeRow(Base):
    __tablename__ = "disposition_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(63))
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class NotReadyReasonRow(Base):
    __tablename__ = "not_ready_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class RoutingPointRow(Base):
    """A routing point: an address calls can be transferred or conferenced to."""

    __tablename__ = "routing_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ConfigSectionRow(Base):
    """A whole configuration section kept as one document (the simulated switch's script)."""

    __tablename__ = "config_sections"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
