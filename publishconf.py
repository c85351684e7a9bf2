"""Production settings: the real address, absolute URLs, every feed.

Used by `invoke preview` and `invoke publish`: commons/defaults.py's `production`
applied to pelicanconf.py beside this file.
"""

import importlib.util
import sys
from pathlib import Path

# In a checkout, Pelican's own `pelican` command finds Commons' code only once
# pelicanconf.py beside this file has registered it (its `site_package`): that
# file is loaded first, as the module `local_settings` then reads.
_local = Path(__file__).resolve().with_name("pelicanconf.py")
if (
    "pelicanconf" not in sys.modules
    or Path(sys.modules["pelicanconf"].__file__).resolve() != _local
):
    _spec = importlib.util.spec_from_file_location("pelicanconf", _local)
    sys.modules["pelicanconf"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["pelicanconf"])

from commons.defaults import local_settings, production  # noqa: E402

# The site's own Isso server (COMMONS_ISSO_URL overrides it).
globals().update(
    production(local_settings(__file__), comments_url="https://comments.commons.example.org/")
)
