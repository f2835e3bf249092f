"""Data health: which cells to fix, which rows are left out, and the format every tab expects."""

import streamlit as st

from learnloop import ui

wb = ui.workbook()
st.title("Data health")

issues = wb.issues_frame()
counts = st.columns(3)
counts[0].metric("Errors", wb.count("error"), help="Rows left out of every chart until fixed.")
counts[1].metric("Warnings", wb.count("warning"), help="Values left out; the rest of the row is used.")
counts[2].metric("Notes", wb.count("info"), help="Nothing to fix: ignored columns and derived ids.")

if issues.empty:
    st.success("No issues: every row and value is in use.", icon=":material/check_circle:")
else:
    st.subheader("What to fix")
    ui.issues_table(issues.drop(columns=["sheet"]) if issues["sheet"].isna().all() else issues)

for tab, rows in wb.quarantined.items():
    if len(rows):
        with st.expander(f"{tab}: {len(rows)} row(s) left out"):
            st.dataframe(rows, width="stretch")
