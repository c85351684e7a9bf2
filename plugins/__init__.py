"""Commons' Pelican plugins, one package each, listed in PLUGINS as `plugins.<name>`."""
