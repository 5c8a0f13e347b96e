"""HTTP: the app factory, one router per service, health and metrics routes."""
