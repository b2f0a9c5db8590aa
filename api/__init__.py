"""The composition root: app factory, settings, CLI, dependencies, routes and errors."""
