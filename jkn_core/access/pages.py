"""The page registry as data: which roles may open which page (no page files, no streamlit)."""

from __future__ import annotations

from jkn_core.schema import ROLES
from jkn_core.scope import Scope, ScopeError

_DIRECTORS = frozenset({"direksi", "deputi_wilayah", "kantor_cabang", "admin"})

#: page key -> roles allowed to open it. The app's navigation is built from this.
PAGES: dict[str, frozenset[str]] = {
    "overview": _DIRECTORS,
    "coverage": _DIRECTORS,
    "arrears": _DIRECTORS,
    "capacity": _DIRECTORS | {"bank_officer"},
    "work_queue": frozenset({"kantor_cabang", "admin"}),
    # collection programmes (#13): the Rehab page has a branch view and a directors' view; partners: branch work
    "programmes_rehab": _DIRECTORS,
    "programmes_partners": _DIRECTORS,
    # collection programmes (#13, part 2): measured effect and channels (directors; a branch sees its own), CSR
    "programmes_effect": _DIRECTORS,
    "csr": _DIRECTORS,
    "model_delinquency": frozenset({"kantor_cabang", "admin", "direksi"}),
    "sif_officer": frozenset({"bank_officer", "admin"}),
    "sif_portfolio": frozenset({"bank_officer", "admin"}),
    "model_sif": frozenset({"bank_officer", "admin"}),
    # hospital claims and SCF (#14): claims for directors; SCF for bank officers (their bank's market)
    "claims": _DIRECTORS,
    "scf_officer": frozenset({"bank_officer", "admin"}),
    "scf_portfolio": frozenset({"bank_officer", "admin"}),
    "admin_users": frozenset({"admin"}),
    "admin_import": frozenset({"admin"}),
    "admin_audit": frozenset({"admin"}),
    "admin_targets": frozenset({"admin"}),
    # every signed-in user: their own password (and the only page while a default password must change)
    "account": frozenset(ROLES),
}


def allowed_pages(scope: Scope) -> list[str]:
    """Page keys this scope may open, in registry order."""
    return [key for key, roles in PAGES.items() if scope.role in roles]


def require_page(scope: Scope, page_key: str) -> None:
    """Raise :class:`ScopeError` unless the scope may open ``page_key`` (unknown keys are refused)."""
    roles = PAGES.get(page_key)
    if roles is None:
        raise ScopeError(f"unknown page {page_key!r}")
    if scope.role not in roles:
        raise ScopeError(f"role {scope.role} may not open page {page_key!r}")
