"""Impact: which learning changed decisions, discovery cadence and bets."""

import streamlit as st

from learnloop import charts, metrics, ui

wb = ui.workbook()
f = ui.filters()
st.title("Impact")
st.caption("Closing the loop: what changed, and the learning each change traces back to.")

left, right = st.columns([3, 2])
left.plotly_chart(charts.decisions_by_category(metrics.decisions_by_category(wb, f), width="half"), theme=None,
                  key="by-category")
right.plotly_chart(charts.traced_share(metrics.traced_share(wb, f), width="narrow"), theme=None, key="traced")

left, right = st.columns(2)
left.plotly_chart(charts.time_to_impact(metrics.time_to_impact(wb, f), width="half"), theme=None,
                  key="time-to-impact")
right.plotly_chart(charts.learning_mix(metrics.learning_mix(wb, f), width="half"), theme=None, key="mix")

st.plotly_chart(charts.learning_flows(metrics.learning_flows(wb, f), width="full"), theme=None, key="flows")

st.subheader("Decision log")
log = ui.shown(wb, metrics.decision_log(wb, f))
search = st.text_input("Search the write-ups", key="decision-search", placeholder="pricing, interviews, D-012…")
if search:
    log = log[log.astype("string").apply(lambda column: column.str.contains(search, case=False, regex=False))
              .any(axis=1)]
ui.people_table(log, list(log.columns), wide=["summary"])
ui.download_csv(log, "decision-log")

reversed_ = metrics.reversals(wb, f)
if not reversed_.empty:
    st.subheader(f"Reversals: {len(reversed_)}")
    ui.people_table(reversed_, ui.with_sheet(wb, ["summary", "status", "date", "replaced_by", "days_in_force",
                                                  "decision_id"]), wide=["summary"])
    ui.download_csv(reversed_, "reversals")
