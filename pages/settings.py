"""Settings: where the data comes from, how it is read, and who may see it (never a secret)."""

import streamlit as st

from learnloop import access, load, ui

wb = ui.workbook()
config = ui.current_settings()
st.title("Settings")
st.caption("Set in `.streamlit/secrets.toml` (see `secrets.toml.example`) or the environment; read-only here.")

st.subheader("Access")
if config.auth:
    who = st.user.get("email") if st.user.get("is_logged_in") else None
    st.success(f"Sign-in is required. You are signed in as {who}." if who else "Sign-in is required.",
               icon=":material/lock:")
    allow = []
    if config.allowed_emails:
        allow.append(f"{len(config.allowed_emails)} listed account(s)")
    if config.allowed_domains:
        allow.append("accounts at " + ", ".join(config.allowed_domains))
    st.write("Who may see the data: " + (" and ".join(allow) if allow else "any signed-in account") + ".")
else:
    st.warning(access.decide(config, signed_in=False, email=None).reason + " Add an `[auth]` table "
               "(Streamlit's sign-in) and `allowed_emails` or `allowed_domains` under `[learnloop]` before you "
               "share it.", icon=":material/lock_open:")

st.subheader("Data")
sources = [("Google Sheet" if load.is_sheet(source) else "demo workbook" if source == "demo" else "file")
           for source in config.sources]
st.dataframe(
    {
        "setting": ["source", "read as", "refresh every", "fiscal year starts", "ambiguous dates (files)",
                    "Google access"],
        "value": [
            wb.source,
            ", ".join(dict.fromkeys(sources)),
            f"{config.refresh_seconds} s",
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"][config.fiscal_year_start_month - 1],
            "day first" if config.day_first else "month first",
            "service account" if config.service_account else "API key (read only)" if config.api_key else "none",
        ],
    },
    hide_index=True,
)
