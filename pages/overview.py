"""Overview: did we run the learning playbook this quarter, and how does it compare?"""

import streamlit as st

from learnloop import charts, metrics, ui

wb = ui.workbook()
f = ui.filters()
quarter = ui.page_quarter(wb, f)

to_date = quarter if metrics.under_way(wb, f, quarter) else None
st.title(f"Overview · {quarter}" + (" to date" if to_date else ""))
st.caption("Theme → learning network → peer circle → public commitment → decision write-up.")

card = metrics.scorecard(wb, f, quarter)
st.plotly_chart(charts.scorecard(card, width="full"), theme=None, key="scorecard")

ui.kpi_row(metrics.kpis(wb, f, quarter))

with st.expander("The evidence behind each step", expanded=False):
    # A plain list, not a data grid: the grid's code is the heaviest the browser loads for this page.
    st.markdown("\n".join(ui.evidence_line(step) for step in card.steps))

left, right = st.columns(2)
left.plotly_chart(charts.score_trend(metrics.score_trend(wb, f), width="half", to_date=to_date), theme=None,
                  key="score-trend")
right.plotly_chart(charts.decisions_trend(metrics.decisions_per_quarter(wb, f), width="half", to_date=to_date),
                   theme=None, key="decisions-trend")
