"""Retro: the quarter, slide by slide, to screen-share in the team's quarterly retro — and the write-up
that closes the loop. The slide, quarter and presentation mode live in the URL, so a link opens a slide."""

import streamlit as st

from learnloop import charts, metrics, reports, ui

SLIDES = ("Playbook scorecard", "What we learned from", "What we learned with", "What we shipped",
          "What changed", "Against earlier quarters")
#: The scorecard's height on the presentation slide: with the five steps' evidence under it,
#: the slide fits a 1280×720 screen without scrolling.
SCORECARD_HEIGHT = 280


def _step(delta: int) -> None:
    st.session_state["slide"] = min(max(int(st.session_state.get("slide") or 1) + delta, 1), len(SLIDES))


wb = ui.workbook()
f = ui.filters()
choices = reports.quarter_choices(wb, f)

with st.container(horizontal=True, vertical_alignment="center", key="retro-controls"):
    quarter = st.selectbox("Quarter", choices, index=choices.index(reports.last_complete_quarter(wb, f)),
                           key="quarter", bind="query-params", label_visibility="collapsed", width=150)
    st.button("Previous", key="retro-previous", icon=":material/arrow_back:", shortcut="Left", on_click=_step,
              args=(-1,))
    slide = st.pagination(len(SLIDES), key="slide", bind="query-params", max_visible_pages=len(SLIDES))
    st.button("Next", key="retro-next", icon=":material/arrow_forward:", icon_position="right", shortcut="Right",
              on_click=_step, args=(1,))
    presenting = st.toggle("Presentation mode", key="presentation", bind="query-params")
    with st.popover("Write-up", icon=":material/download:"):
        st.download_button("Download write-up (Markdown)", key="download-writeup",
                           data=lambda: reports.quarter_writeup_markdown(wb, f, quarter, health_url=ui.data_health_url()),
                           file_name=f"learning-retro-{quarter}.md", mime="text/markdown", on_click="ignore",
                           icon=":material/description:")
        st.download_button("Download report (HTML)", key="download-report",
                           data=lambda: reports.quarter_report_html(wb, f, quarter, health_url=ui.data_health_url()),
                           file_name=f"learning-retro-{quarter}.html", mime="text/html", on_click="ignore",
                           icon=":material/bar_chart:")

ui.page_css(own_quarter=True, presentation=presenting)
size = "presentation" if presenting else "screen"
r = reports.retro(wb, f, quarter)
source = "demo workbook" if wb.source == "demo" else wb.source

st.header(f"{SLIDES[slide - 1]} · {quarter}", anchor=False)
st.caption(f"Slide {slide} of {len(SLIDES)} · data as of {wb.loaded_at:%Y-%m-%d %H:%M} UTC · "
           f"{reports.escape_markdown(source)}")


def chart(figure, key: str) -> None:
    st.plotly_chart(figure, theme=None, key=f"retro-{key}")


def table(frame, columns: list[str], name: str, empty: str) -> None:
    """A slide's table: large plain type when presenting, else a data grid with a CSV download."""
    if frame.empty:
        st.caption(empty)
    elif presenting:
        shown = frame[columns].copy()
        for column in {"state", "artifact_type"} & set(columns):
            shown[column] = shown[column].map(reports.STATE_LABELS).fillna(shown[column].astype(str).str.replace("_", " "))
        ui.static_table(shown)
    else:
        st.dataframe(frame[columns], hide_index=True, width="stretch")
        ui.download_csv(frame[columns], f"retro-{quarter}-{name}")


if slide == 1:
    figure = charts.scorecard(r.card, size=size)
    if presenting:
        figure.update_layout(height=SCORECARD_HEIGHT)
    chart(figure, "scorecard")
    st.markdown("\n".join(f"{step.number}. {'✓' if step.done else '✗'} **{step.name}** — "
                          f"{reports.escape_markdown(step.evidence)}" for step in r.card.steps))

elif slide == 2:
    counts = st.columns(3)
    counts[0].metric("Sources added", len(r.sources_added), border=True)
    counts[1].metric("Sources pruned", len(r.sources_pruned), border=True)
    counts[2].metric("Sources behind a decision", len(metrics.top_sources(wb, r.in_quarter, n=None)), border=True,
                     help="Sources named by at least one of the quarter's decision write-ups.")
    left, right = st.columns(2)
    with left:
        chart(charts.top_sources(r.top_sources, size=size), "top-sources")
    with right:
        st.subheader("Added", anchor=False)
        table(r.sources_added, ["name", "kind", "owner", "added_on"], "sources-added",
              "No source added this quarter.")
        st.subheader("Pruned", anchor=False)
        table(r.sources_pruned, ["name", "kind", "owner", "pruned_on"], "sources-pruned",
              "No source pruned this quarter.")

elif slide == 3:
    peer = r.card.steps[2].detail
    counts = st.columns(3)
    counts[0].metric("Critiques held", len(r.critiques), border=True)
    counts[1].metric("Months with a critique", f"{peer['months_with_critiques']} of {peer['months']}", border=True)
    counts[2].metric("Roles in the room", ", ".join(peer["roles_present"]) or "–", border=True,
                     help=f"{', '.join(metrics.PEER_ROLES)} are needed at least once a quarter.")
    left, right = st.columns(2)
    with left:
        chart(charts.roles_heatmap(r.roles, size=size), "roles")
    with right:
        chart(charts.artifact_types(r.artifact_types, size=size), "artifact-types")
    table(r.critiques, ["date", "artifact_type", "artifact", "presenter", "roles"], "critiques",
          "No critique held this quarter.")

elif slide == 4:
    figures = {figure.key: figure for figure in metrics.commitment_figures(wb, r.in_quarter)}
    overdue = int(r.carried["state"].eq("overdue").sum()) if len(r.carried) else 0
    counts = st.columns(4)
    for column, key in zip(counts[:2], ("artifacts_shipped", "shipped_late"), strict=True):
        column.metric(figures[key].name, ui.kpi_value(figures[key]), help=figures[key].help, border=True)
    counts[2].metric("Carried over", len(r.carried), border=True,
                     help="Still open at the quarter's end: committed earlier, or due later.")
    counts[3].metric("Carried over and overdue", overdue, border=True,
                     help="Of those carried over, the ones due before today.")
    left, right = st.columns(2)
    with left:
        chart(charts.commitments(metrics.commitments_per_quarter(wb, r.in_window), size=size), "commitments")
    with right:
        st.subheader("Shipped", anchor=False)
        table(r.shipped, ["title", "owner", "due_on", "shipped_on", "state"], "shipped",
              "Nothing shipped this quarter.")
        st.subheader("Open actions, carried over", anchor=False)
        table(r.carried, ["title", "owner", "due_on", "state", "reason"], "carried-over",
              "Nothing carried over.")

elif slide == 5:
    section = reports.writeup(wb, f, quarter, r).sections[2]
    left, right = st.columns([3, 2])
    with left:
        st.markdown(reports.markdown_blocks(section.blocks))
    with right:
        chart(charts.learning_flows(metrics.learning_flows(wb, r.in_quarter), size=size), "flows")
    if not presenting and len(r.decisions):
        ui.download_csv(r.decisions.drop(columns=["category_key"]), f"retro-{quarter}-decisions")

else:
    for column, kpi in zip(st.columns(4), r.kpis, strict=True):
        column.metric(kpi.name, ui.kpi_value(kpi), delta=ui.kpi_delta(kpi), help=kpi.help, border=True)
    left, right = st.columns(2)
    with left:
        chart(charts.score_trend(metrics.score_trend(wb, r.in_window), size=size), "score-trend")
    with right:
        chart(charts.decisions_trend(metrics.decisions_per_quarter(wb, r.in_window), size=size), "decisions-trend")
    if not presenting:
        table(r.trend, list(r.trend.columns), "trend", "")

ui.left_out_note(wb)  # every slide says what its numbers leave out
