"""Learning network: who and what the team learns from, how it is pruned, and what pays off."""

import streamlit as st

from learnloop import charts, metrics, ui, words

wb = ui.workbook()
f = ui.filters()
st.title("Learning network")
st.caption("The people, newsletters, podcasts and courses the team learns from — curated, and pruned each quarter.")

left, right = st.columns(2)
left.plotly_chart(charts.pln_size(metrics.sources_flow(wb, f), width="half"), theme=None, key="pln-size")
right.plotly_chart(charts.source_kinds(metrics.source_kinds(wb, f), width="half"), theme=None,
                   key="source-kinds")

st.plotly_chart(charts.top_sources(metrics.top_sources(wb, f), width="full"), theme=None, key="top-sources")

dormant = metrics.dormant_sources(wb, f)
st.subheader(f"Prune candidates: {words.plural(len(dormant), 'source')} with no engagement for 90 days")
if dormant.empty:
    st.success("Every source in the network was engaged with in the last 90 days.", icon=":material/check_circle:")
else:
    ui.people_table(dormant, ui.with_sheet(wb, ["name", "days_since", "last_engaged_on", "kind", "owner", "team"]),
                    wide=["name"])
    ui.download_csv(dormant, "prune-candidates")
