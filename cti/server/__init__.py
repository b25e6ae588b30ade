"""The CTI server: FastAPI app, websockets, event bus and wiring."""
