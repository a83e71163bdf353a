"""Sessions and schedule, presenter rota, on-call rosters, clashes, reminders, calendars."""
