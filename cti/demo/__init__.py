"""The demo: a deterministic floor, customers with a past, and weeks of traffic.

Application layer: ``seed`` writes through the features' own tables and stores, and the
server runs it at start-up when ``SWITCHBOARD_DEMO`` is on. ``history`` generates each seeded
customer's past calls.
"""
