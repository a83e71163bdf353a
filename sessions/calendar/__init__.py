"""Sessions in people's own calendars: the private feed, its secret address and .ics downloads."""
