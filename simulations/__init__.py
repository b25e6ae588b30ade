"""SimPy models that run the real ACD (``acd.engine.Acd``) on simulated time.

``SimClock`` adapts ``env.now`` to the ``cti.clock.Clock`` protocol, so the routing code is
the same object that runs live; only the clock differs (the ``simpy/rt.py`` idea).
"""
