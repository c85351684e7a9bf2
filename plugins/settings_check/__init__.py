"""Check every Commons setting at once when Pelican starts (commons/config.py).

With it early in PLUGINS, a build reports every bad value of every setting
Commons reads, its own (PUBLISH, LOCAL_SERVER, OUTPUT_RETENTION,
COMMENTS_SERVER) and each plugin's, in one record, applies the environment
variables the options declare, and moves renamed keys to their new names; each
plugin's `install` then takes its checked setting as it is. Settings the loader
already checked (the preview's) are not checked again. No setting of its own.
"""

from .settings_check import register

__all__ = ["register"]
