"""Workforce management: Erlang maths, forecasts, staffing, shift schedules, rosters, and
replays of real days through the simulator (``simulations``) that runs the real ACD."""
