"""Credit memo (PDF, fpdf2) of one SIF assessment: facts, score, reasons, policy checks, decision.

:func:`credit_memo` returns the PDF bytes; :func:`export_memo` also writes the export to the audit log.
Everything is in the memo's language (``lang``): headings, labels, the policy checks' details
(:func:`check_detail`, also used by the page), numbers, Rupiah, months and dates, and the time it was
made (WIB). Text uses fpdf2's core Helvetica (Latin-1); characters outside Latin-1 are replaced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from jkn_core import fmt
from jkn_core.audit import audit
from jkn_core.exports import ExportContext, export_filename
from jkn_core.i18n import STRINGS, t
from jkn_core.memo_pdf import MemoPage
from jkn_core.scope import Scope


def check_detail(check: Any, result: dict[str, Any], lang: str = "id") -> str:
    """What a policy check compared, in ``lang`` (the check's own ``detail`` is English, for logs)."""
    key = f"rule_detail_{check.rule}"
    if key not in STRINGS:
        return str(check.detail)
    a, prof = result["assessment"], result["profile"]
    n = lambda v: fmt.number(v, 0, lang)  # noqa: E731 - a short local helper
    if check.rule == "eligible_type":
        verdict = t("rule_detail_type_ok" if check.passed else "rule_detail_type_not_ok", lang)
        return t(key, lang).format(type=t(f"type_{prof['type']}", lang), verdict=verdict)
    if check.rule == "instalment_share":
        return t(key, lang).format(inst=fmt.rupiah_full(round(a.instalment), lang),
                                   share=fmt.pct(100 * check.value, 1, lang),
                                   income=fmt.rupiah_full(prof["capitation_income"], lang),
                                   limit=fmt.pct(100 * check.limit, 0, lang))
    if check.rule == "amount_range":
        return t(key, lang).format(value=fmt.rupiah_full(check.value, lang), limit=fmt.rupiah_full(check.limit, lang))
    return t(key, lang).format(value=n(check.value), limit=n(check.limit),
                               left=n(prof.get("contract_months_remaining")))


def file_name(result: dict[str, Any], lang: str = "id") -> str:
    """The memo's file name in ``lang``: ``memo-kredit-sif_<facility>_<code>_<month>.pdf``."""
    return export_filename("memo", "pdf", ExportContext(t("memo_title", lang), lang, int(result["as_of"]),
                                                        f"{result['facility_name']} {result['facility_code']}"))


def credit_memo(result: dict[str, Any], lang: str = "id", officer: str = "", note: str | None = None,
                compress: bool = True) -> bytes:
    """The memo as PDF bytes. ``result`` is what :func:`jkn_core.sif.assess_application` returns."""
    a = result["assessment"]
    prof = result["profile"]
    page = MemoPage(compress, label_width=70)
    pdf, line, pair = page.pdf, page.line, page.pair

    line(t("memo_title", lang), 16, True, 9)
    line(f"{result['facility_name']} ({result['facility_code']})", 13, True, 8)
    line(f"{t('sif_as_of', lang)}: {fmt.period_label(result['as_of'], lang)} - {t('sif_officer', lang)}: {officer}",
         9)
    pdf.ln(2)
    line(t("sif_bpjs_facts", lang), 12, True, 8)
    pair(t("sif_type", lang), t(f"type_{prof['type']}", lang))
    pair(t("branch", lang), prof["branch_name"])
    pair(t("sif_contract", lang), f"{fmt.date(prof['contract_start'], lang)} - {fmt.date(prof['contract_end'], lang)}")
    pair(t("sif_months_remaining", lang), fmt.number(prof["contract_months_remaining"], 0, lang))
    pair(t("sif_registered", lang), fmt.number(prof["registered"], 0, lang))
    pair(t("sif_capitation_income", lang), fmt.rupiah(prof["capitation_income"], lang))
    pair(t("participants_per_doctor", lang), fmt.number(prof["participants_per_doctor"], 0, lang))
    pdf.ln(2)
    line(t("sif_request", lang), 12, True, 8)
    pair(t("sif_amount", lang), fmt.rupiah(a.amount, lang))
    pair(t("sif_tenor", lang), f"{a.tenor_months} {t('sif_months', lang)}")
    pair(t("sif_rate", lang), fmt.pct(a.rate_pct, 2, lang))
    pair(t("sif_instalment", lang), fmt.rupiah(round(a.instalment), lang))
    pair(t("sif_instalment_share", lang), fmt.pct(100 * a.instalment_share, 1, lang))
    pair(t("sif_max_loan", lang), fmt.rupiah(a.max_loan, lang))
    pdf.ln(2)
    line(t("sif_score_section", lang), 12, True, 8)
    pair(t("sif_score", lang), fmt.number(result["score"], 0, lang))
    pair(t("sif_pd", lang), fmt.pct(100 * result["pd"], 2, lang))
    pair(t("sif_grade", lang), result["grade"])
    line(t("sif_reasons", lang), 10, True)
    for r in result["reasons"] or []:
        line(f"- {t('feat_' + r['feature'], lang)}: -{r['points_lost']} {t('sif_points', lang)}", 10)
    if not result["reasons"]:
        line(f"- {t('sif_no_reasons', lang)}", 10)
    pdf.ln(2)
    line(t("sif_checks", lang), 12, True, 8)
    for c in a.checks:
        mark = t("sif_pass", lang) if c.passed else t("sif_fail", lang)
        line(f"[{mark}] {t('rule_' + c.rule, lang)} - {check_detail(c, result, lang)}", 9, False, 5)
    pdf.ln(2)
    line(f"{t('sif_decision', lang)}: {t('decision_' + result['decision'], lang).upper()}", 14, True, 9)
    if note:
        line(f"{t('sif_note', lang)}: {note}", 10)
    pdf.ln(2)
    line(f"{t('sif_model', lang)}: {result.get('model_version', '')} · {t('dir_generated', lang)}: "
         f"{fmt.now_wib(lang)}", 8, False, 4)
    line(t("memo_disclaimer", lang), 8, False, 4)
    return bytes(pdf.output())


def export_memo(engine: Engine, scope: Scope, result: dict[str, Any], lang: str = "id",
                note: str | None = None) -> bytes:
    """The memo's bytes, with an ``export`` row in the audit log (what, facility, decision)."""
    scope.require("sees_sif")
    data = credit_memo(result, lang, scope.username, note)
    audit(engine, scope, "export", {"what": "sif_credit_memo", "format": "pdf",
                                    "facility_code": result["facility_code"], "decision": result["decision"],
                                    "score": result["score"], "bytes": len(data)})
    return data
