"""A scope in words, for people: "Kantor Cabang Palembang (0301)", "Nasional", "Bank bjb · Jawa Barat".

:meth:`jkn_core.scope.Scope.describe` stays the machine form written to the audit trail
(``kantor_cabang:branch=0301``); the screen shows :func:`describe_scope`, translated, with the branch,
region and province names read from the database (cached per database: the geography changes only
with ``demo`` or ``init``).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, select

from jkn_core.i18n import t
from jkn_core.schema import Branch, Province, Region
from jkn_core.scope import Scope


@lru_cache(maxsize=8)
def unit_names(engine: Engine) -> dict[str, dict[str, str]]:
    """``{"branch": {code: name}, "region": {...}, "province": {...}}`` of the database (cached)."""
    with engine.connect() as conn:
        return {
            "branch": dict(conn.execute(select(Branch.code, Branch.name)).all()),
            "region": dict(conn.execute(select(Region.code, Region.name)).all()),
            "province": dict(conn.execute(select(Province.code, Province.name)).all()),
        }


def describe_scope(engine: Engine, scope: Scope, lang: str = "id") -> str:
    """What ``scope`` covers, in words and in ``lang``; codes in brackets; never a raw scope string."""
    try:
        names = unit_names(engine)
    except Exception:  # noqa: BLE001 - a label must never break a page: fall back to the codes
        names = {"branch": {}, "region": {}, "province": {}}
    if scope.branch_code:
        name = names["branch"].get(scope.branch_code, "")
        return t("scope_words_branch", lang).format(name=name or scope.branch_code, code=scope.branch_code).replace(
            f"{scope.branch_code} ({scope.branch_code})", scope.branch_code)
    where = t("scope_words_national", lang)
    market = getattr(scope, "market", ())
    if market:
        where = ", ".join(names["province"].get(code, code) for code in market)
    elif scope.region_code:
        where = f"{names['region'].get(scope.region_code) or scope.region_code} ({scope.region_code})"
    if scope.bank:
        return f"{scope.bank} · {where}"
    return where
