"""The User-Agent names the project and the contact URL the user sets.

``USER_AGENT`` is derived from ``CONTACT_URL`` when the crawl starts, so
``-s CONTACT_URL=https://example.org/bot`` is enough; an explicit
``-s USER_AGENT=...`` wins.
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

PRODUCT = "Cleanwire/0.1"


def user_agent(contact_url: str) -> str:
    """``Cleanwire/0.1 (+<contact url>)``."""
    return f"{PRODUCT} (+{contact_url})"


class ContactUserAgentAddon:
    """Scrapy add-on: rebuild USER_AGENT from CONTACT_URL unless USER_AGENT was set itself."""

    def update_settings(self, settings: BaseSettings) -> None:
        if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set("USER_AGENT", user_agent(settings.get("CONTACT_URL")), priority="project")
