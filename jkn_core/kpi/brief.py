"""One-page director brief of the current view: print-ready HTML (A4, no external resources).

:func:`make_brief` takes the headline cards of :func:`jkn_core.kpi.overview.overview_cards` and up to a
few small tables of the page the director is on, and returns UTF-8 HTML bytes that print to one A4
page (Ctrl+P → PDF). :func:`format_value` writes a card value in the chosen language and is shared with
the pages so the screen and the brief say the same thing. Everything is in the brief's language:
headings, the tables' headers and code labels (:func:`jkn_core.display.table`), numbers, months and
the time it was made (WIB).
"""

from __future__ import annotations

import html

import pandas as pd

from jkn_core import display, fmt
from jkn_core.i18n import t

STATUS_COLOURS = {"green": "#15803d", "amber": "#b45309", "red": "#b91c1c", "grey": "#6b7280"}
MAX_TABLE_ROWS = 12


def format_value(unit: str, value: float | None, lang: str = "id", signed: bool = False) -> str:
    """A card value: ``pct`` → '98,45 %', ``rp`` → 'Rp 21,5 triliun', counts → '1.234.567'
    (:func:`jkn_core.display.kpi_value`)."""
    return display.kpi_value(unit, value, lang, signed)


def _table(title: str, df: pd.DataFrame, lang: str) -> str:
    shown = display.table(df.head(MAX_TABLE_ROWS), lang)
    d = shown.strings()
    right = set(shown.numeric)
    head = "".join(f"<th class='{'r' if c in right else 'l'}'>{html.escape(str(c))}</th>" for c in d.columns)
    body = "".join("<tr>" + "".join(f"<td class='{'r' if c in right else 'l'}'>{html.escape(str(v))}</td>"
                                    for c, v in zip(d.columns, row, strict=True)) + "</tr>"
                   for row in d.itertuples(index=False))
    more = (f"<p class='more'>… {fmt.number(len(df) - MAX_TABLE_ROWS, 0, lang)} "
            f"{t('dir_brief_more_rows', lang)}</p>") if len(df) > MAX_TABLE_ROWS else ""
    return f"<h2>{html.escape(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def make_brief(cards: pd.DataFrame, view: str, period: int, tables: list[tuple[str, pd.DataFrame]] | None = None,
               lang: str = "id", synthetic: bool = True, page_title: str = "") -> bytes:
    """Print-ready HTML of the view: title, view and period, KPI cards (value, target, changes,
    status) and the given tables (first :data:`MAX_TABLE_ROWS` rows each)."""
    cells = []
    for r in cards.to_dict("records"):
        colour = STATUS_COLOURS.get(r["status"], STATUS_COLOURS["grey"])
        tgt = format_value(r["unit"], r["target"], lang)
        cells.append(
            f"<div class='card' style='border-left:6px solid {colour}'>"
            f"<div class='lbl'>{html.escape(t('kpi_' + r['kpi'], lang))}</div>"
            f"<div class='val'>{format_value(r['unit'], r['value'], lang)}</div>"
            f"<div class='sub'>{t('target_short', lang)}: {tgt} · {t('status_' + r['status'], lang)}</div>"
            f"<div class='sub'>{t('vs_last_month', lang)}: {format_value(r['unit'], r['change_month'], lang, True)}"
            f" · {t('vs_last_year', lang)}: {format_value(r['unit'], r['change_year'], lang, True)}</div></div>")
    tables_html = "".join(_table(title, df, lang) for title, df in (tables or []))
    now = fmt.now_wib(lang)
    notice = f"<p class='notice'>⚠️ {html.escape(t('synthetic_notice', lang))}</p>" if synthetic else ""
    doc = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(t('dir_brief_title', lang))}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111827; margin: 0; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }} h2 {{ font-size: 11pt; margin: 4mm 0 1mm; }}
.meta {{ color: #374151; margin-bottom: 3mm; }}
.cards {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; }}
.card {{ border: 1px solid #d1d5db; border-radius: 2mm; padding: 1.5mm 2.5mm; break-inside: avoid; }}
.lbl {{ font-size: 8.5pt; color: #374151; }} .val {{ font-size: 14pt; font-weight: bold; }}
.sub {{ font-size: 7.5pt; color: #4b5563; }}
table {{ border-collapse: collapse; width: 100%; font-size: 7.5pt; }}
th, td {{ border-bottom: 1px solid #e5e7eb; padding: 0.6mm 1.2mm; }}
.r {{ text-align: right; }} .l {{ text-align: left; }}
.notice, .more {{ font-size: 7.5pt; color: #6b7280; }}
</style></head><body>
<h1>{html.escape(t('dir_brief_title', lang))}{(' — ' + html.escape(page_title)) if page_title else ''}</h1>
<div class="meta">{html.escape(view)} · {t('dir_period', lang)}: {fmt.period_label(period, lang)} ·
{t('dir_generated', lang)}: {now}</div>
<div class="cards">{''.join(cells)}</div>
{tables_html}
{notice}<p class="notice">{html.escape(t('dir_brief_print', lang))}</p>
</body></html>"""
    return doc.encode("utf-8")
