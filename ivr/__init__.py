"""The IVR flow engine: flows as validated data, one pure engine, two runtimes.

- ``schema``: the flow format (pydantic; exported as JSON Schema), ``validate``: checks that
  name the path of every problem;
- ``engine`` (with ``nodes``, ``expressions``, ``hours``): pure ``start``/``step``;
- ``driver``: runs the engine against any ``CallIO``; ``agi_runtime`` (Asterisk over FastAGI),
  ``sim_runtime`` (the simulated PBX) and ``cli`` (``switchboard ivr test``) implement it;
- ``store``/``models``/``service``/``api``: versioned flows in the database, managed over REST;
- ``reports``: containment, drop-off per node, time in the IVR.
"""
