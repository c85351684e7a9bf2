"""Comment-server machinery that runs outside Pelican's rendering: the snapshot
of each thread's published comments (`snapshot`), fetched into a cache folder
that the discussion plugin reads."""
