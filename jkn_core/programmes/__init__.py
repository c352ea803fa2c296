"""Collection programmes (#13): the Rehab instalment lifecycle, partners (LPD, Kader JKN, CSR sponsors) and
assignments of families to a programme or action, their KPIs, and (part 2) the simulated and measured effect
of each programme. Rules: :mod:`jkn_core.programmes.rehab_rules`; documentation: ``docs/programmes.md``.

Import the submodules directly (``from jkn_core.programmes import rehab``): this package imports nothing
on its own so that the generator can use the pure rules without loading the database layer.
"""
