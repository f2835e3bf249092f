"""Add entry: add a theme, source, critique, commitment or decision to the team's workbook."""

from pathlib import Path

import streamlit as st

from data_schemas import TABS
from learnloop import forms, load, ui, writes
from learnloop.reports import escape_markdown

wb = ui.workbook()
config = ui.current_settings()
st.title("Add an entry")

why_not = {source: writes.write_access_problem(source, config) for source in config.sources}
writable = [source for source, problem in why_not.items() if problem is None]
if not writable:
    if config.is_demo:
        st.info("The demo workbook is built in, so nothing can be added to it. Try adding rows on a copy of your "
                "own, with no Google account: write the demo to a file, then open the app on it.",
                icon=":material/edit_off:")
        st.code(".venv/bin/learnloop demo my-team.xlsx\nLEARNLOOP_SOURCE=my-team.xlsx make run", language="sh")
        st.caption("A folder of CSV files works too (`learnloop demo my-team/`). For a Google Sheet, share it with a "
                   "service account as Editor and put the account's key in `.streamlit/secrets.toml`.")
    else:
        for problem in dict.fromkeys(why_not.values()):
            st.info(escape_markdown(problem), icon=":material/edit_off:")
    st.stop()

labels = {"themes": "Theme", "sources": "Source", "critiques": "Critique", "commitments": "Commitment",
          "decisions": "Decision write-up"}
tab = st.segmented_control("What are you adding?", list(TABS), format_func=labels.get, default="critiques",
                           key="add-tab") or "critiques"
names = {source: (forms.sheet_of(wb, config.sources, source) or wb.source if load.is_sheet(source)
                  else Path(source).name) for source in writable}
target = writable[0]
if len(writable) > 1:
    target = st.selectbox("Add it to", writable, format_func=names.get, key="add-target")
sheet = forms.sheet_of(wb, config.sources, target)
st.caption(TABS[tab].purpose)

key = f"add-{tab}"
outcome: forms.Outcome | None = st.session_state.pop(f"{key}-outcome", None)  # left by the submit callback
problems = outcome.problems if outcome is not None and outcome.kind == "refused" else {}
with st.form(key, border=True):
    drawn = forms.entry_fields(tab, wb, key, sheet=sheet, problems=problems)
    st.form_submit_button(f"Add {labels[tab].lower()}", type="primary", icon=":material/add:",
                          on_click=forms.submit, args=(tab, key, target, sheet, wb), key=f"{key}-submit")

if outcome is None:
    pass
elif outcome.kind == "added" and outcome.appended is not None:
    st.success(forms.confirmation(outcome.appended), icon=":material/check_circle:")
elif outcome.kind == "duplicate" and outcome.appended is not None:
    st.info(forms.confirmation(outcome.appended, again=True), icon=":material/done_all:")
elif outcome.kind == "refused":
    elsewhere = {column: message for column, message in problems.items() if column not in drawn}
    st.error("Nothing was written: fix the fields marked above and add it again."
             + ("\n\n" + forms.problems_list(elsewhere) if elsewhere else ""), icon=":material/error:")
else:
    st.error(f"{escape_markdown(outcome.message)} Your entry is still in the form.", icon=":material/cloud_off:")
