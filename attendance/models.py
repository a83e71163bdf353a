# Models arrive with their issue; the app is installed so the layout is fixed from the start.
