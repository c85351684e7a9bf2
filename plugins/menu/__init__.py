"""The header menu: pages with `Menu: true` and the entries of the MENU setting.

Sets `menu_items` in every template's context. Settings: `MENU`.
"""

from .menu import SCHEMA, register

__all__ = ["SCHEMA", "register"]
