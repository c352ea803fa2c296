"""What runs after the demo is generated and after every import: registered here, in one visible place.

The generator (:mod:`jkn_core.demo.generator`) calls every ``AFTER_GENERATE_HOOKS`` entry as
``hook(engine)`` once the world is written; the importer (:mod:`jkn_core.imports`) calls every
``AFTER_IMPORT_HOOKS`` entry after a committed import as ``hook(engine, table, branches)`` (or
``hook(engine, table)`` for a hook that takes two arguments), where ``branches`` are the branch codes
whose rows the import changed, or None when unknown. Nothing registers itself by being imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from jkn_core.kpi import reference, refresh
from jkn_core.programmes import channels, partners, rehab
from jkn_core.scf import ledger as scf_ledger

#: After the demo world is generated: rebuild the pre-aggregates the KPI pages read, and add the shipped
#: dated reference figures (``jkn_core/data/reference_figures.csv``) of the units the world holds.
AFTER_GENERATE_HOOKS: list[Callable[[Engine], Any]] = [refresh.refresh, reference.load_shipped]
#: After every committed import: bring the pre-aggregates up to date (only the branches it touched; a
#: regencies import that moves a regency touches its old and its new branch).
AFTER_IMPORT_HOOKS: list[Callable[..., Any]] = [refresh.after_import]
# collection programmes (#13): id sequences in step on PostgreSQL after the generator wrote rows with their ids;
# after an import, the same and the partners' fees owed (jkn_core.programmes.partners.after_import)
AFTER_GENERATE_HOOKS.append(rehab.sync_sequences)
AFTER_IMPORT_HOOKS.append(partners.after_import)
# the payment-channel pre-aggregate agg_channel (#13, jkn_core.programmes.channels), like the agg_* tables
AFTER_GENERATE_HOOKS.append(channels.refresh)
AFTER_IMPORT_HOOKS.append(channels.after_import)
# hospital claims (#14): days_to_payment and penalty_rp of the claims from the claim rules
AFTER_IMPORT_HOOKS.append(scf_ledger.after_import)
