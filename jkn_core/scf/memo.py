"""SCF credit memo (PDF, fpdf2) of one hospital proposal: hospital, receivable, line, tenor, price, PD, grade,
the traces behind the risk, decision. In the memo's language (``lang``); :func:`export_memo` writes the export
to the audit log. Text uses fpdf2's core Helvetica (Latin-1); other characters are replaced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from jkn_core import fmt
from jkn_core.audit import audit
from jkn_core.exports import ExportContext, export_filename
from jkn_core.i18n import t
from jkn_core.memo_pdf import MemoPage
from jkn_core.scf.features import NUMERIC
from jkn_core.scope import Scope

SHARE_FEATURES = ("dispute_3m", "dispute_6m", "return_3m", "return_6m", "dispute_trend", "volume_change")


def feature_text(name: str, value: Any, lang: str = "id") -> str:
    """A feature's value as people read it (shares as %, days, log claims as Rupiah)."""
    if value is None:
        return fmt.MISSING
    v = float(value)
    if name in SHARE_FEATURES:
        return fmt.pct(100 * v, 1, lang)
    if name == "log_claims":
        return fmt.rupiah(10 ** v, lang)
    return fmt.number(v, 1, lang)


def file_name(result: dict[str, Any], lang: str = "id") -> str:
    return export_filename("memo", "pdf", ExportContext(t("scf_memo_title", lang), lang, int(result["as_of"]),
                                                        f"{result['facility_name']} {result['facility_code']}"))


def credit_memo(result: dict[str, Any], lang: str = "id", officer: str = "", note: str | None = None,
                compress: bool = True) -> bytes:
    """The memo as PDF bytes; ``result`` is what :func:`jkn_core.scf.applications.assess` returns."""
    page = MemoPage(compress, label_width=80)
    pdf, line, pair = page.pdf, page.line, page.pair

    line(t("scf_memo_title", lang), 16, True, 9)
    line(f"{result['facility_name']} ({result['facility_code']})", 13, True, 8)
    line(f"{t('sif_as_of', lang)}: {fmt.period_label(int(result['as_of']), lang)} - {t('sif_officer', lang)}: "
         f"{officer}", 9)
    pdf.ln(2)
    pair(t("branch", lang), result["branch_name"])
    pair(t("scf_ownership", lang), t(f"scf_own_{result['ownership']}", lang))
    pair(t("scf_receivable", lang), fmt.rupiah(result["receivable_rp"], lang))
    pair(t("scf_mean_verified", lang), fmt.rupiah(result["mean_verified_rp"], lang))
    pair(t("scf_delay", lang), f"{fmt.number(result['delay_beyond_rule_days'], 1, lang)} {t('scf_days', lang)}")
    pdf.ln(2)
    pair(t("scf_advance_rate", lang), fmt.pct(100 * result["advance_rate"], 0, lang))
    pair(t("scf_limit", lang), fmt.rupiah(result["limit_rp"], lang))
    pair(t("scf_tenor", lang), f"{result['tenor_days']} {t('scf_days', lang)}")
    pair(t("scf_rate", lang), fmt.pct(result["rate_pct"], 2, lang))
    pair(t("scf_discount", lang), fmt.rupiah(result["discount_rp"], lang))
    pair(t("scf_pd", lang), fmt.pct(100 * result["pd"], 2, lang))
    pair(t("scf_grade", lang), result["grade"])
    pdf.ln(2)
    line(t("scf_drivers", lang), 12, True, 8)
    feats = result.get("features") or {}
    for name in NUMERIC:
        pair(t("feat_" + name, lang), feature_text(name, feats.get(name), lang))
    pdf.ln(2)
    line(f"{t('scf_decision', lang)}: {t('decision_' + result['decision'], lang).upper()}", 14, True, 9)
    if note:
        line(f"{t('scf_note', lang)}: {note}", 10)
    pdf.ln(2)
    line(f"{t('sif_model', lang)}: {result.get('model_version') or ''} - {t('dir_generated', lang)}: "
         f"{fmt.now_wib(lang)}", 8, False, 4)
    line(t("scf_memo_disclaimer", lang), 8, False, 4)
    return bytes(pdf.output())


def export_memo(engine: Engine, scope: Scope, result: dict[str, Any], lang: str = "id",
                note: str | None = None) -> bytes:
    """The memo's bytes, with an ``export`` row in the audit log."""
    scope.require("sees_sif")
    data = credit_memo(result, lang, scope.username, note)
    audit(engine, scope, "export", {"what": "scf_credit_memo", "format": "pdf", "facility_code": result["facility_code"],
                                    "decision": result["decision"], "limit_rp": int(result["limit_rp"]),
                                    "advance_rate": float(result["advance_rate"]), "bytes": len(data)})
    return data
