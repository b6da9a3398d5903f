"""The one place that speaks to HubSpot: ``names`` has every path and property name, ``client`` the calls."""

from hubspot_connector.api import names
from hubspot_connector.api.client import Associations, HubSpotApi, Page, RetryPolicy

__all__ = ["Associations", "HubSpotApi", "Page", "RetryPolicy", "names"]
