"""Themes: each quarter's learning theme, what good looks like, and the learning tied to it."""

import streamlit as st

from learnloop import charts, metrics, ui

wb = ui.workbook()
f = ui.filters()
st.title("Themes")
st.caption("A theme per quarter, with its definition of good — and everything the team did to learn it.")

summary = metrics.theme_summary(wb, f)
st.plotly_chart(charts.theme_progress(summary, width="full"), theme=None, key="theme-progress")

if summary.empty:
    st.info("No themes in this selection. Add a row to the themes tab: theme_id, quarter, title.",
            icon=":material/flag:")
else:
    ui.people_table(summary, ui.with_sheet(wb, ["title", "quarter", "status", "sources", "critiques", "commitments",
                                                "shipped", "decisions", "team", "owner", "definition_of_good"]),
                    wide=["title", "definition_of_good"])
    ui.download_csv(summary, "themes")
