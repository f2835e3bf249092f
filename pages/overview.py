"""Overview: what the workbook holds and whether it is ready to chart."""

import streamlit as st

from data_schemas import TABS
from learnloop import ui

wb = ui.workbook()
st.title("Learning Loop")
st.caption("Theme → learning network → peer circle → public commitment → decision write-up, quarter after quarter.")

columns = st.columns(len(TABS))
for column, (tab, counts) in zip(columns, wb.summary().items(), strict=True):
    left_out = counts["quarantined"]
    column.metric(tab.capitalize(), counts["rows"], delta=f"{left_out} left out" if left_out else None,
                  delta_color="inverse", help=TABS[tab].purpose)

errors, warnings = wb.count("error"), wb.count("warning")
if errors:
    st.error(f"{errors} problem(s) keep rows out of the charts. Open **Data health** to see which cells to fix.",
             icon=":material/error:")
elif warnings:
    st.warning(f"{warnings} value(s) were left out. **Data health** lists them.", icon=":material/warning:")
else:
    st.success("Every row with data is in use.", icon=":material/check_circle:")
