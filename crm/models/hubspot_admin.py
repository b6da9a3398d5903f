"""What the HubSpot connector's administration keeps (``hubspot_connector/oauth.py``, ``bot/clock.py``).

- ``hubspot_oauth_states``: the ``state`` of each OAuth install started at ``/hubspot/install``, checked and
  consumed (once) by ``/hubspot/oauth_redirect``; expired ones are pruned as new ones are made.
- ``hubspot_leases``: named leases taken by a process for a while (``hubspot-sync``: two ``salesbot clock``
  processes never sync at once). A lease whose holder died simply expires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base


class HubSpotOAuthState(Base):
    __tablename__ = "hubspot_oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"HubSpotOAuthState(expires_at={self.expires_at!r})"


class HubSpotLease(Base):
    __tablename__ = "hubspot_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"HubSpotLease(name={self.name!r}, holder={self.holder!r}, expires_at={self.expires_at!r})"
