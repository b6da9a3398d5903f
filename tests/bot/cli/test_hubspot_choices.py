"""`salesbot hubspot roles set` offers exactly the Salesbot roles a HubSpot role may map to, and every access
level, though it names them without importing the models (fast start-up)."""

from bot.cli.hubspot_admin import ACCESS_CHOICES, ROLE_CHOICES
from crm.models.user import Access, Role


def test_roles_set_offers_the_models_roles_and_access_levels() -> None:
    assert set(ROLE_CHOICES) == {Role.REP.value, Role.MANAGER.value}
    assert set(ACCESS_CHOICES) == {level.value for level in Access}
