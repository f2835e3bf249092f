"""Data health: which cells to fix, which rows are left out, and the format every tab expects."""

import pandas as pd
import streamlit as st

from data_schemas import TABS
from learnloop import contract, ui, words

wb = ui.workbook()
st.title("Data health")
st.caption("Everything Learning Loop could not use, and exactly where to fix it in the sheet.")

counts = st.columns(3)
counts[0].metric("Errors", wb.count("error"), help="Rows left out of every chart until fixed.")
counts[1].metric("Warnings", wb.count("warning"), help="Values left out; the rest of the row is used.")
counts[2].metric("Notes", wb.count("info"), help="Nothing to fix: ignored columns and derived ids.")

issues = wb.issues_frame()
if issues.empty:
    st.success("No issues: every row and value is in use.", icon=":material/check_circle:")
else:
    by_tab = pd.crosstab(issues["tab"], issues["severity"]).reindex(index=list(TABS), fill_value=0)
    st.dataframe(by_tab.reindex(columns=["error", "warning", "info"], fill_value=0), width="content")
    st.subheader("What to fix")
    issues["link"] = [
        f"{wb.tab_links[(sheet, tab)]}&range={cell}" if (sheet, tab) in wb.tab_links and cell else
        wb.tab_links.get((sheet, tab))
        for sheet, tab, cell in zip(issues["sheet"].where(issues["sheet"].notna(), None), issues["tab"],
                                    issues["cell"], strict=True)
    ]
    shown = issues.drop(columns=["cell"] + (["sheet"] if issues["sheet"].isna().all() else []))
    if shown["link"].isna().all():
        shown = shown.drop(columns=["link"])
    severity = st.pills("Show", ["error", "warning", "info"], default=["error", "warning"], selection_mode="multi",
                        key="health-severity")
    visible = shown[shown["severity"].isin(severity or ["error", "warning", "info"])]
    ui.issues_table(visible)
    ui.download_csv(visible, "data-health-issues")

left_out = {tab: rows for tab, rows in wb.quarantined.items() if len(rows)}
if left_out:
    st.subheader("Rows left out")
    for tab, rows in left_out.items():
        with st.expander(f"{tab}: {words.plural(len(rows), 'row')}"):
            st.dataframe(rows, width="stretch")
            ui.download_csv(rows.reset_index(), f"rows-left-out-{tab}")

ignored = {tab: columns for tab, columns in wb.ignored_columns.items() if columns}
if ignored:
    st.subheader("Columns ignored")
    st.caption("These columns are not part of the workbook format; Learning Loop leaves them alone.")
    st.dataframe(pd.DataFrame([{"tab": tab, "columns": ", ".join(cols)} for tab, cols in ignored.items()]),
                 hide_index=True)

st.subheader("The format each tab expects")
for tab, spec in TABS.items():
    title = wb.tab_titles.get(tab)
    with st.expander(f"{tab}" + (f" (read from '{title}')" if title and title != tab else "")
                     + ("" if title else " — missing")):
        st.caption(spec.purpose + (f" Also accepted as a tab name: {', '.join(spec.aliases)}." if spec.aliases else ""))
        st.dataframe(contract.tab_format(tab), hide_index=True, width="stretch")
