"""The agent desktop and supervisor board: static pages served by the CTI server."""
