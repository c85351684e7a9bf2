"""Linear-time tag, category and author pages (Pelican 4.12's are quadratic).

Settings: `TAXONOMY_INDEX`.
"""

from .taxonomy_index import SCHEMA, register

__all__ = ["SCHEMA", "register"]
