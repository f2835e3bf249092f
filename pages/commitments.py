"""Commitments: the artifacts people committed to ship publicly, and what happened to them."""

import streamlit as st

from learnloop import charts, metrics, ui
from learnloop.filters import current_quarter, fiscal_start

wb = ui.workbook()
f = ui.filters()
quarter = f.quarters[1] if f.quarters else current_quarter(f, fiscal_start(wb))
st.title("Commitments")
st.caption("One public artifact per person per quarter: a talk, a guide, a workshop.")

st.plotly_chart(charts.commitments(metrics.commitments_per_quarter(wb, f)), theme=None, key="commitments")

ledger = metrics.commitment_ledger(wb, f)
states = ledger["state"].value_counts()
for column, state in zip(st.columns(5), ["planned", "in_progress", "shipped", "shipped_late", "dropped"], strict=True):
    column.metric(state.replace("_", " ").capitalize(), int(states.get(state, 0)))

carried = metrics.carried_over(wb, f, quarter)
st.subheader(f"Open into {quarter}: {len(carried)} commitment(s) carried over")
if not carried.empty:
    st.dataframe(carried[["title", "owner", "team", "quarter", "due_on", "state", "reason"]], hide_index=True,
                 width="stretch")
    ui.download_csv(carried, f"carried-over-{quarter}")

st.subheader("Ledger")
if ledger.empty:
    st.info("No commitments in this selection. Add a row to the commitments tab: title, kind, committed_on.",
            icon=":material/campaign:")
else:
    st.dataframe(ledger[["quarter", "title", "kind", "owner", "team", "due_on", "shipped_on", "state"]],
                 hide_index=True, width="stretch")
    ui.download_csv(ledger, "commitments-ledger")
