"""Peer circle: monthly critiques, who was in the room, and what was critiqued."""

import streamlit as st

from learnloop import charts, metrics, ui

wb = ui.workbook()
f = ui.filters()
st.title("Peer circle")
st.caption("Learning with people: PM, Design and Eng critique experiments, roadmaps and discovery plans monthly.")

streak = metrics.monthly_streak(wb, f)
st.metric("Monthly streak", f"{streak} month{'s' if streak != 1 else ''}",
          help="Months in a row, up to now, with at least one critique.")

st.plotly_chart(charts.cadence(metrics.critiques_per_month(wb, f), width="full"), theme=None, key="cadence")
left, right = st.columns(2)
left.plotly_chart(charts.roles_heatmap(metrics.roles_coverage(wb, f), width="half"), theme=None, key="roles")
right.plotly_chart(charts.peer_roles_share(metrics.peer_roles_share(wb, f), width="half"), theme=None,
                   key="peer-roles")
st.plotly_chart(charts.artifact_types(metrics.artifact_types(wb, f), width="full"), theme=None,
                key="artifact-types")
