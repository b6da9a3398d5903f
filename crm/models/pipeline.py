"""Deal and lead pipelines and their ordered stages."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, fk


class Pipeline(Base):
    __tablename__ = "pipelines"

    id: Mapped[str] = mapped_column(primary_key=True)
    object: Mapped[str] = mapped_column(String(8))  # "deal" | "lead"
    name: Mapped[str]

    # lazy="raise": a reader asks for the stages (selectinload), so no loop runs a SELECT per pipeline.
    stages: Mapped[list[Stage]] = relationship(
        back_populates="pipeline", cascade="all, delete-orphan", order_by="Stage.order", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"Pipeline(id={self.id!r}, object={self.object!r}, name={self.name!r})"


class Stage(Base):
    """A stage is identified within its pipeline: two pipelines may both have a stage "s1"."""

    __tablename__ = "stages"

    pipeline_id: Mapped[str] = mapped_column(fk("pipelines.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(primary_key=True)
    label: Mapped[str]
    order: Mapped[int]
    state: Mapped[str] = mapped_column(String(8))  # "open" | "won" | "lost"

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages", lazy="raise")

    def __repr__(self) -> str:
        return f"Stage(pipeline_id={self.pipeline_id!r}, id={self.id!r}, state={self.state!r})"
