"""Commitments: the artifacts people committed to ship publicly, and what happened to them."""

import streamlit as st

from learnloop import charts, metrics, ui, words

wb = ui.workbook()
f = ui.filters()
quarter = ui.page_quarter(wb, f)
st.title("Commitments")
st.caption("One public artifact per person per quarter: a talk, a guide, a workshop.")

st.plotly_chart(charts.commitments(metrics.commitments_per_quarter(wb, f), width="full"), theme=None,
                key="commitments")

ui.kpi_row(metrics.commitment_figures(wb, f), border=False)

carried = metrics.carried_over(wb, f, quarter)
st.subheader(f"Open into {quarter}: {words.plural(len(carried), 'commitment')} carried over")
if not carried.empty:
    ui.people_table(carried, ui.with_sheet(wb, ["title", "state", "reason", "owner", "due_on", "team", "quarter"]),
                    wide=["title"])
    ui.download_csv(carried, f"carried-over-{quarter}")

st.subheader("Ledger")
if (ledger := metrics.commitment_ledger(wb, f)).empty:
    st.info("No commitments in this selection. Add a row to the commitments tab: title, kind, committed_on.",
            icon=":material/campaign:")
else:
    ui.people_table(ledger, ui.with_sheet(wb, ["title", "state", "owner", "due_on", "shipped_on", "kind", "team",
                                               "quarter"]), wide=["title"])
    ui.download_csv(ledger, "commitments-ledger")
