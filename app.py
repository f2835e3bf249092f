"""Learning Loop: the frame around every page — page config, navigation and the shared sidebar."""

import streamlit as st

from learnloop import ui

st.set_page_config(page_title="Learning Loop", page_icon=":material/autorenew:", layout="wide")

pages = {
    "Dashboard": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    ],
    "Workbook": [
        st.Page("pages/add_entry.py", title="Add entry", icon=":material/add_circle:"),
        st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:"),
    ],
}
page = st.navigation(pages)

wb = ui.workbook()
with st.sidebar:
    st.caption(f"Source: **{'demo workbook' if wb.source == 'demo' else wb.source}**")
    st.caption(f"Data as of {wb.loaded_at:%H:%M} UTC")
    if st.button("Refresh now", icon=":material/refresh:", width="stretch"):
        ui.refresh()
        st.rerun()
if wb.source == "demo":
    st.info("You are looking at the demo workbook. To use your own, set `source` in `.streamlit/secrets.toml` "
            "(see `secrets.toml.example`) or run `learnloop demo my-team.xlsx` and edit that.",
            icon=":material/science:")

page.run()
