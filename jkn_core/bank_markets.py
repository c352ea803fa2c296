"""Which provinces each bank lends in (its SIF market): reference data read by the scope and the demo.

A bank officer's scope is their bank's market: the provinces listed for the bank here (see
:meth:`jkn_core.scope.Scope.clause`); a bank that is not listed keeps the officer's own region. The shipped
file is ``jkn_core/data/bank_markets.csv`` (columns ``bank``, ``province_code`` (Kemendagri code),
``province_name``, ``basis``: the source or assumption behind the row); a deployment points
``JKN_BANK_MARKETS`` at its own file with the same columns. The demo books its SIF loans per market
(:mod:`jkn_core.demo.loans`). Light on purpose: no pandas, no database.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

BANK_MARKETS_FILE = Path(__file__).resolve().parent / "data" / "bank_markets.csv"
#: Environment variable naming a replacement file (same columns).
ENV_VAR = "JKN_BANK_MARKETS"
COLUMNS = ("bank", "province_code", "province_name", "basis")


def markets_file() -> Path:
    """The file in use: ``JKN_BANK_MARKETS`` when set, else the shipped file."""
    override = os.environ.get(ENV_VAR, "").strip()
    return Path(override) if override else BANK_MARKETS_FILE


def read_markets(path: Path) -> tuple[tuple[str, str, str, str], ...]:
    """Rows ``(bank, province_code, province_name, basis)`` of a markets file.

    Raises ``ValueError`` naming the row and column of the first problem (missing column, empty bank,
    a province code that is not two digits, a duplicate bank-province pair)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"bank markets file {path} cannot be read: {exc.strerror or exc}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("bank", "province_code") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"bank markets file {path}: missing column(s) {', '.join(missing)}")
    rows, seen = [], set()
    for n, row in enumerate(reader, start=2):  # line 1 is the header
        bank = (row.get("bank") or "").strip()
        code = (row.get("province_code") or "").strip()
        if not bank:
            raise ValueError(f"bank markets file {path}, row {n}, column bank: empty")
        if len(bank) > 40:
            raise ValueError(f"bank markets file {path}, row {n}, column bank: longer than 40 characters")
        if not (len(code) == 2 and code.isdigit()):
            raise ValueError(f"bank markets file {path}, row {n}, column province_code: {code!r} is not a "
                             "two-digit Kemendagri province code")
        if (bank, code) in seen:
            raise ValueError(f"bank markets file {path}, row {n}: {bank} / {code} listed twice")
        seen.add((bank, code))
        rows.append((bank, code, (row.get("province_name") or "").strip(), (row.get("basis") or "").strip()))
    return tuple(rows)


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> tuple[tuple[str, str, str, str], ...]:
    return read_markets(Path(path))


def market_rows() -> tuple[tuple[str, str, str, str], ...]:
    """Every row of the markets file in use (cached until the file changes)."""
    path = markets_file()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ValueError(f"bank markets file {path} cannot be read: {exc.strerror or exc}") from exc
    return _cached(str(path), mtime)


def market_of(bank: str | None) -> tuple[str, ...]:
    """Province codes of ``bank``'s market, sorted (empty for no bank or a bank not listed)."""
    if not bank:
        return ()
    return tuple(sorted({code for b, code, _n, _s in market_rows() if b == bank}))


def market_names(bank: str | None) -> tuple[str, ...]:
    """Province names of ``bank``'s market, in province-code order (the code where the file has no name)."""
    names = {code: name for b, code, name, _s in market_rows() if b == bank}
    return tuple(names[c] or c for c in sorted(names))


def banks() -> tuple[str, ...]:
    """Every bank with a market, sorted."""
    return tuple(sorted({b for b, _c, _n, _s in market_rows()}))


def banks_in(province_code: str) -> tuple[str, ...]:
    """The banks whose market holds the province, sorted (empty: no SIF lender there)."""
    return tuple(sorted({b for b, code, _n, _s in market_rows() if code == province_code}))
