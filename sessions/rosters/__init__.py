"""On-call rosters: reading files and feeds, own imports and organisers' previewed ones."""
