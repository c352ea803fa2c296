"""The synthetic demo Indonesia: public calibration figures, the geography, and the generator of the world.

Modules: ``calibration`` (public figures with their sources; regulation constants are in
:mod:`jkn_core.rules`), ``geography`` (regions, provinces, branches, regencies), ``generator``
(``generate``: people, families, participants, and the order of every stage), ``payments`` (the
month-by-month payment process of self-paying families), ``facilities`` (facilities and their months),
``loans`` (SIF loans), ``timeline`` (the generator's month index), ``maths`` and ``names`` (helpers).
Nothing here reads real participant data.
"""

from jkn_core.demo.generator import DEFAULT_SEED, SCALES, generate

__all__ = ["DEFAULT_SEED", "SCALES", "generate"]
