"""``python -m jkn_core train MODEL`` and ``python -m jkn_core score MODEL``.

MODEL is a key of :data:`MODELS`, whose module exposes ``train(engine, log, scope=...) -> dict`` (the
model card) and ``score(engine, log, scope=...) -> int`` (rows scored and written to ``model_scores``); both
write their audit row (``model_trained`` / ``score_run``) under :meth:`Scope.cli`, the operating-system
user. The models themselves live in those modules, not here.
"""

from __future__ import annotations

import argparse
import json
import sys
from types import ModuleType

from jkn_core import scf, sif
from jkn_core.collection import model as delinquency
from jkn_core.collection.model import MIN_LABEL_MONTHS, MIN_LEDGER_MONTHS
from jkn_core.db import get_engine
from jkn_core.scope import Scope

#: model name -> the module that trains and scores it.
MODELS: dict[str, ModuleType] = {"delinquency": delinquency, "sif": sif}
MODELS["scf"] = scf  # hospital SCF (#14): jkn_core.scf.train / score
#: model name -> that module's import name (bench/steps.py imports the modules by name).
MODEL_MODULES: dict[str, str] = {name: module.__name__ for name, module in MODELS.items()}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    card = MODELS[args.model].train(get_engine(), log=_log, scope=Scope.cli())
    print(json.dumps(card, indent=2, default=str))
    return 0


def _score(args: argparse.Namespace) -> int:
    n = MODELS[args.model].score(get_engine(), log=_log, scope=Scope.cli())
    print(f"scored {n} rows with {args.model}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``score`` to the ``python -m jkn_core`` sub-commands."""
    p = sub.add_parser(
        "train", help="train a model and write its card to the models folder",
        description="Train a model and write model.skops and card.json to the models folder (JKN_MODELS_DIR).",
        epilog=f"delinquency needs a contribution ledger of at least {MIN_LEDGER_MONTHS} months "
               f"({MIN_LABEL_MONTHS} label months: the latest tests, the one(s) before calibrate, earlier ones "
               f"train) and at least {delinquency.MIN_CLASS_ROWS} missed and {delinquency.MIN_CLASS_ROWS} paid "
               "bills in each part; below that it prints one line and exits with code 2.")
    p.add_argument("model", choices=sorted(MODELS))
    p.set_defaults(func=_train)
    p = sub.add_parser("score", help="score with the champion model and write scores to the database")
    p.add_argument("model", choices=sorted(MODELS))
    p.set_defaults(func=_score)
