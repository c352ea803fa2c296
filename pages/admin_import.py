"""Admin: validated imports of CSV / Excel files (schema shown, template, dry run, every problem listed, rows
whose name disagrees with their code listed as warnings, rows moved with their regency counted)."""

import pandas as pd
import streamlit as st

from jkn_core import access, imports
from jkn_core.imports import docs as import_docs
from jkn_core.text import plain
from pages.common import engine, lang, number, require, t

scope = require("admin_import")
st.title(t("page_admin_import"))
st.caption(t("adm_import_intro"))

# --- which table ------------------------------------------------------------------------------------
wanted = st.query_params.get("table")
if wanted in imports.TABLES and "import_table" not in st.session_state:
    st.session_state["import_table"] = wanted
table = st.selectbox(t("adm_table"), imports.TABLES, key="import_table")
spec = imports.SPECS[table]

# --- its documented schema and template -------------------------------------------------------------
with st.expander(f"{t('adm_schema')}: `{table}`", expanded=True):
    st.markdown(import_docs.table_description(table, lang()))  # the schema in the UI language
    st.caption(t("adm_natural_key").format(key=", ".join(spec.key)))
    heads = {"column": "adm_col_column", "type": "adm_col_type", "required": "adm_col_required",
             "allowed": "adm_col_allowed", "meaning": "adm_col_meaning", "example": "adm_col_example"}
    schema = pd.DataFrame(import_docs.schema_rows(table, lang())).rename(columns=lambda c: t(heads[c]))
    st.dataframe(schema, hide_index=True, width="stretch", key="import_schema")
    if spec.rules:  # the rules across columns and against the database, in the UI language
        st.markdown(f"**{t('adm_rules')}**\n\n" + "\n".join(f"- {r}" for r in import_docs.rules(table, lang())))
    # the template holds no database data (a header and one example row), so no export audit
    # its example row refers to rows of this database, so the template imports here as-is
    st.download_button(t("adm_template"), data=lambda: imports.template_bytes(table, engine()),
                       file_name=f"{table}_template.csv",
                       mime="text/csv", key="import_template", on_click="ignore")

# --- the file ---------------------------------------------------------------------------------------
max_mb = access.MAX_UPLOAD_MB
upload = st.file_uploader(t("adm_upload").format(mb=max_mb), type=["csv", "xlsx"], key="import_file",
                          max_upload_size=max_mb)
dry_run = st.toggle(t("adm_dry_run"), value=True, key="import_dry_run")

if upload is not None:
    size_mb = upload.size / 1024 / 1024
    if size_mb > max_mb:
        st.error(t("adm_too_big").format(mb=size_mb, max=max_mb))
    elif st.button(t("adm_run_check") if dry_run else t("adm_run_import"), type="primary", key="import_run"):
        bar = st.progress(0.0, text=t("adm_progress").format(done=0, total="…"))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0,
                         text=t("adm_progress").format(done=number(done), total=number(total)))

        report = imports.import_file(engine(), scope, table, upload.getvalue(), filename=upload.name,
                                    dry_run=dry_run, progress=progress)
        bar.empty()
        st.session_state["import_report"] = report

# --- the outcome ------------------------------------------------------------------------------------
report = st.session_state.get("import_report")
if report is not None and report.table == table:
    if not report.ok:
        st.error(t("adm_rejected").format(file=plain(report.filename), n=len(report.problems)))
        problems = imports.problems_frame(report, lang())  # each reason in the UI language (its code)
        st.dataframe(
            problems,
            hide_index=True,
            width="stretch",
            key="import_problems",
            column_config={"row": t("adm_col_row"), "column": t("adm_col_column"), "reason": t("adm_col_reason")},
        )
        # the problems describe the uploaded file (row, column, reason), not database data
        st.download_button(t("adm_problems_download"), data=imports.problems_csv(report, lang()),
                           file_name=f"{table}_problems.csv", mime="text/csv", key="import_problems_dl",
                           on_click="ignore")
    else:
        if report.dry_run:
            st.info(t("adm_dry_ok").format(file=plain(report.filename)))
        else:
            st.success(t("adm_done").format(file=plain(report.filename), table=table))
        c = st.columns(4)
        c[0].metric(t("adm_rows_in_file"), number(report.rows_in_file))
        c[1].metric(t("adm_inserted"), number(report.inserted))
        c[2].metric(t("adm_updated"), number(report.updated))
        c[3].metric(t("adm_unchanged"), number(report.unchanged))
        if report.changes:  # the changed values per column of the updated rows (columns left out are kept)
            st.dataframe(
                pd.DataFrame(
                    {t("adm_col_column"): list(report.changes), t("adm_updated"): list(report.changes.values())}
                ),
                hide_index=True,
                key="import_changes",
            )
        if report.families_created:
            st.caption(t("adm_families_created").format(n=number(report.families_created)))
        if any(report.moved.values()):  # a regencies import moved rows to their regency's new branch
            st.info(t("adm_moved").format(rows=", ".join(
                t(f"adm_moved_{table}").format(n=number(n)) for table, n in report.moved.items() if n)))
        st.caption(plain(report.summary(lang())))
        for w in report.warnings:
            st.warning(t("adm_warning").format(w=plain(w)))
    if report.name_warnings:  # accepted rows whose name disagrees with their code: listed, never silent
        st.warning(t("adm_name_warnings").format(n=number(len(report.name_warnings))))
        st.dataframe(
            imports.problems_frame(report.name_warnings, lang()),
            hide_index=True,
            width="stretch",
            key="import_name_warnings",
            column_config={"row": t("adm_col_row"), "column": t("adm_col_column"), "reason": t("adm_col_reason")},
        )
        # the warnings describe the uploaded file (row, column, reason), not database data
        st.download_button(t("adm_name_warnings_download"), data=imports.problems_csv(report.name_warnings, lang()),
                           file_name=f"{table}_name_warnings.csv", mime="text/csv", key="import_name_warnings_dl",
                           on_click="ignore")
