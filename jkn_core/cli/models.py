"""``python -m jkn_core train MODEL`` and ``python -m jkn_core score MODEL``.

MODEL names a module in ``MODEL_MODULES`` exposing ``train(engine, log) -> dict`` (the model card)
and ``score(engine, log) -> int`` (rows scored and written to ``model_scores``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from jkn_core.db import get_engine

MODEL_MODULES = {"delinquency": "jkn_core.collection.model", "sif": "jkn_core.sif"}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    module = importlib.import_module(MODEL_MODULES[args.model])
    card = module.train(get_engine(), log=_log)
    print(json.dumps(card, indent=2, default=str))
    return 0


def _score(args: argparse.Namespace) -> int:
    module = importlib.import_module(MODEL_MODULES[args.model])
    n = module.score(get_engine(), log=_log)
    print(f"scored {n} rows with {args.model}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model and write its card to the models folder")
    p.add_argument("model", choices=sorted(MODEL_MODULES))
    p.set_defaults(func=_train)
    p = sub.add_parser("score", help="score with the champion model and write scores to the database")
    p.add_argument("model", choices=sorted(MODEL_MODULES))
    p.set_defaults(func=_score)
