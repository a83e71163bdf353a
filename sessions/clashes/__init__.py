"""On-call clashes: which shifts overlap which sessions, kept up to date as both change."""
