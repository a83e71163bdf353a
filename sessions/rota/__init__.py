"""The presenter rota: fair assignment, presenters set by hand, dates given back, and swaps."""
