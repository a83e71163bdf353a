"""Email reminders: which are due when, queueing them once each, and each person's choices."""
