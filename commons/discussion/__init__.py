"""The DISCUSSION setting and its providers: read by the discussion plugin, the
comment publisher and `invoke comments-move` alike."""
