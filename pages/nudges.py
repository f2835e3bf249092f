"""Nudges: this week's digest for the current filters, as `learnloop digest … --send` sends it.

Sending stays outside the app (every replica of the app would send it): the page shows what would go
out, where to, and whether this week's has gone.
"""

import json

import streamlit as st

from learnloop import deliver, digest, ui
from learnloop.words import plural

wb = ui.workbook()
f = ui.filters()
config = ui.current_settings().digest
ui.hide_quarter_range()  # a digest is about now

audience = deliver.audience(f)
week = digest.iso_week(f.today())
targets = deliver.targets(config)
sent_log = deliver.SentLog(config.sent_log)
try:
    since = sent_log.last_digest(audience, week)
    sent = {target.id: sent_log.find(target.id, audience, week) for target in targets}
except deliver.SentLogError as exc:
    since, sent = None, {}
    st.warning(str(exc), icon=":material/history:")
d = digest.build(wb, f, since=since, app_url=config.app_url or digest.app_base_url(st.context.url))

st.title(f"Nudges · week {week[-2:]}")
st.caption("This week's digest for the filters in the sidebar, as `learnloop digest … --send` sends it by email, "
           "Slack and Teams: what is due before it is missed, and the wins since the last digest.")

if config.problem:
    st.warning(f"The digest cannot be sent: {config.problem}", icon=":material/notifications_off:")
elif not targets:
    st.info("No target is configured: set `smtp_url` and `to`, `slack_webhook_url` or `teams_webhook_url` under "
            "`[learnloop.digest]`, and schedule `learnloop digest … --send` (see the README).",
            icon=":material/notifications_off:")
for target in targets:
    name = f"Email ({plural(len(target.to), 'recipient')})" if target.kind == "email" else target.name
    entry = sent.get(target.id)
    st.caption(f":material/send: {name}: " + (f"sent for {week} (as of {entry.get('as_of')})" if entry
                                               else "not sent yet this week"))

st.markdown(digest.render_markdown(d, title=False))

with st.container(horizontal=True):
    st.download_button("Email (HTML)", data=lambda: digest.render_html(d), file_name=f"digest-{week}.html",
                       mime="text/html", key="download-digest-html", on_click="ignore", icon=":material/mail:",
                       type="tertiary")
    st.download_button("Slack message (JSON)", data=lambda: json.dumps(digest.slack_payload(d), indent=1),
                       file_name=f"digest-{week}-slack.json", mime="application/json", key="download-digest-slack",
                       on_click="ignore", icon=":material/download:", type="tertiary")
    st.download_button("Teams card (JSON)", data=lambda: json.dumps(digest.teams_payload(d), indent=1),
                       file_name=f"digest-{week}-teams.json", mime="application/json", key="download-digest-teams",
                       on_click="ignore", icon=":material/download:", type="tertiary")
