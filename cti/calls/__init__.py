"""Calls: the call model, the engine that joins telephony, ACD and screen-pops, and its API."""
