"""The name feed entries' ids are built on (FEEDS['id_authority']) and the
production check that the community really holds it.

The feeds plugin validates the setting; `invoke publish` refuses an example
name. Both read it here, so that commons/ needs nothing from the plugin.
"""

from __future__ import annotations

from commons.urls import EXAMPLE_HOST, LOCAL_HOST

SETTING = "FEEDS"


def example_authority(settings: dict) -> str | None:
    """The production check (`invoke publish`): id_authority must be a name the community
    holds. Local builds keep the example, so a fresh clone builds as it is."""
    authority = str((settings.get(SETTING) or {}).get("id_authority") or "")
    name = authority.rpartition("@")[2].rstrip(".")
    if not (EXAMPLE_HOST.search(name) or LOCAL_HOST.search(name)):
        return None
    return (
        f"{SETTING}['id_authority'] is {authority!r}, a name reserved for examples: every "
        "feed entry's id is built on it, and changing it after publishing makes every "
        f"subscriber see every post again as new. Fix: in publishconf.py set {SETTING}"
        "['id_authority'] to a domain or e-mail address your community controls (and "
        f"{SETTING}['id_date'] to a date it held it), once; or set COMMONS_FEEDS_ID_AUTHORITY."
    )
