"""A person's leave: recorded by them, read wherever their absence matters."""
