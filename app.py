"""Learning Loop: the frame around every page — page config, navigation and the shared sidebar."""

import streamlit as st

from learnloop import ui

st.set_page_config(page_title="Learning Loop", page_icon=":material/autorenew:", layout="wide")
ui.ensure_frame()
ui.require_access(ui.current_settings())

DASHBOARD = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/themes.py", title="Themes", icon=":material/flag:"),
    st.Page("pages/learning_network.py", title="Learning network", icon=":material/hub:"),
    st.Page("pages/peer_circle.py", title="Peer circle", icon=":material/groups:"),
    st.Page("pages/commitments.py", title="Commitments", icon=":material/campaign:"),
    st.Page("pages/impact.py", title="Impact", icon=":material/trending_up:"),
    st.Page("pages/search.py", title="Search", icon=":material/search:"),
]
RETRO = [st.Page("pages/retro.py", title="Quarterly retro", icon=":material/slideshow:")]
HABIT = [st.Page("pages/nudges.py", title="Nudges", icon=":material/notifications_active:")]
WORKBOOK = [
    st.Page("pages/add_entry.py", title="Add entry", icon=":material/add_circle:"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
]
page = st.navigation({"Dashboard": DASHBOARD, "Retro": RETRO, "Habit": HABIT, "Workbook": WORKBOOK})

wb = ui.workbook(status=True)
with st.sidebar:
    st.caption(f"Source: **{'demo workbook' if wb.source == 'demo' else wb.source}** · "
               f"data as of {wb.loaded_at:%H:%M} UTC")
    if st.button("Refresh now", icon=":material/refresh:", width="stretch"):
        ui.refresh()
        st.rerun()
    if st.user.get("is_logged_in"):
        st.button("Sign out", icon=":material/logout:", on_click=st.logout, type="tertiary")
if page in DASHBOARD or page in RETRO or page in HABIT:
    ui.sidebar_filters(wb)
else:
    st.session_state.pop("filters", None)
if wb.source == "demo":
    st.info("You are looking at the demo workbook. Connect your team's sheet in `.streamlit/secrets.toml` "
            "(see `secrets.toml.example`), or start one with `learnloop demo my-team.xlsx`.", icon=":material/science:")
if page in DASHBOARD:
    ui.left_out_note(wb)

page.run()
