"""The schedule: a term of sessions generated, one session added, moved or cancelled."""
