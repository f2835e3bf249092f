"""Add entry: add a theme, source, critique, commitment or decision to the shared sheet."""

import streamlit as st

from data_schemas import TABS
from learnloop import forms, load, ui, writes
from learnloop.sources import sheets

wb = ui.workbook()
config = ui.current_settings()
st.title("Add an entry")

writable = [source for source in config.sources if load.is_sheet(source)]
if not writable:
    st.info(
        "This workbook is read-only here: entries are added to a shared Google Sheet.\n\n"
        "1. Run `learnloop demo my-team.xlsx` and upload the file to Google Sheets (or use your team's sheet).\n"
        "2. Create a service account in Google Cloud, and share the sheet with its email as **Editor**.\n"
        "3. Put the sheet URL and the account's key in `.streamlit/secrets.toml` "
        "(see `.streamlit/secrets.toml.example`), then reload this page.",
        icon=":material/edit_off:",
    )
    st.stop()

labels = {"themes": "Theme", "sources": "Source", "critiques": "Critique", "commitments": "Commitment",
          "decisions": "Decision write-up"}
tab = st.segmented_control("What are you adding?", list(TABS), format_func=labels.get, default="critiques",
                           key="add-tab") or "critiques"
target = writable[0]
if len(writable) > 1:
    target = st.selectbox("Sheet", writable, key="add-sheet")
st.caption(TABS[tab].purpose)

with st.form(f"add-{tab}", clear_on_submit=False, border=True):
    values = forms.entry_fields(tab, wb, key=f"add-{tab}")
    submitted = st.form_submit_button(f"Add {labels[tab].lower()}", type="primary", icon=":material/add:")

# A row whose write failed keeps its id, so sending it again can never add it twice.
pending_key = f"add-pending-id-{tab}"
id_column = TABS[tab].model._id_column
if submitted:
    pending = st.session_state.get(pending_key)
    try:
        row = writes.prepare(tab, {**values, id_column: pending} if pending else values, wb)
        with st.spinner("Adding the row to the sheet…"):
            done = writes.append(ui.sheet_reader(config), sheets.sheet_key(target) or target, tab, row,
                                 look_first=bool(pending))
    except writes.WriteRefused as refused:
        st.error("Nothing was written. Fix these fields and submit again:\n\n" + forms.problems_list(refused.problems),
                 icon=":material/error:")
    except writes.WriteFailed as failed:
        st.session_state[pending_key] = failed.row.get(id_column)
        st.error(f"{failed} Your entry is still in the form.", icon=":material/cloud_off:")
    else:
        st.session_state.pop(pending_key, None)
        ui.refresh()
        st.success(f"Added {done.id} to the {tab} tab.", icon=":material/check_circle:")
        st.dataframe(forms.preview(done.row), hide_index=True)
