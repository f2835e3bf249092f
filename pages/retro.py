"""Retro: the quarter, slide by slide, to screen-share in the team's quarterly retro — and the write-up
that closes the loop. The link always carries the quarter and the slide (and presentation mode), so a
shared link opens the same slide of the same quarter, whatever quarter has closed since."""

import streamlit as st

from learnloop import charts, metrics, reports, slides, ui

SLIDES = ("Playbook scorecard", "What we learned from", "What we learned with", "What we shipped",
          "What changed", "Against earlier quarters")


def _step(delta: int) -> None:
    # From the slide last drawn, not the slide widget's value: a key pressed while a step is still being
    # drawn can come with the widget's value from before that step, and would step to the same slide again.
    shown = st.session_state.get("retro-shown-slide") or st.session_state.get("slide") or 1
    st.session_state["slide"] = min(max(int(shown) + delta, 1), len(SLIDES))


wb = ui.workbook()
f = ui.filters()
choices = reports.quarter_choices(wb, f)
ui.from_link("quarter", choices, default=reports.last_complete_quarter(wb, f))
ui.from_link("slide", [str(n) for n in range(1, len(SLIDES) + 1)], default="1")
st.session_state["slide"] = int(st.session_state["slide"])
ui.from_link("presentation", ["true", "false"], default="false")
st.session_state["presentation"] = st.session_state["presentation"] in (True, "true")
ui.link_note("quarter", "slide", "presentation")

with st.container(horizontal=True, vertical_alignment="center", key="retro-controls"):
    quarter = st.selectbox("Quarter", choices, key="quarter", label_visibility="collapsed", width=150)
    st.button("Previous", key="retro-previous", icon=":material/arrow_back:", on_click=_step, args=(-1,))
    slide = st.session_state["retro-shown-slide"] = st.pagination(len(SLIDES), key="slide",
                                                                  max_visible_pages=len(SLIDES))
    st.button("Next", key="retro-next", icon=":material/arrow_forward:", icon_position="right", on_click=_step,
              args=(1,))
    presenting = st.toggle("Presentation mode", key="presentation", help="Esc leaves it; ← → step the slides.")
    with st.popover("Write-up", icon=":material/download:"):
        st.download_button("Download write-up (Markdown)", key="download-writeup",
                           data=lambda: reports.quarter_writeup_markdown(wb, f, quarter, health_url=ui.data_health_url()),
                           file_name=f"learning-retro-{quarter}.md", mime="text/markdown", on_click="ignore",
                           icon=":material/description:")
        st.download_button("Download report (HTML)", key="download-report",
                           data=lambda: reports.quarter_report_html(wb, f, quarter, health_url=ui.data_health_url()),
                           file_name=f"learning-retro-{quarter}.html", mime="text/html", on_click="ignore",
                           icon=":material/bar_chart:")
ui.to_link(quarter=quarter, slide=slide, presentation="true" if presenting else None)
slides.look(presenting)
size = "presentation" if presenting else "screen"
r = reports.retro(wb, f, quarter)

st.header(f"{SLIDES[slide - 1]} · {quarter}", anchor=False)
st.caption(f"Slide {slide} of {len(SLIDES)} · data as of {wb.loaded_at:%Y-%m-%d %H:%M} UTC · "
           f"{reports.escape_markdown('demo workbook' if wb.source == 'demo' else wb.source)}")


def chart(figure, key: str) -> None:
    slides.chart(figure, key, presenting)


def table(frame, columns: list[str], name: str, empty: str, rows: int = 4) -> None:
    """A slide's table: its first rows in large type when presenting, else every row with a CSV download."""
    if presenting:
        slides.clamped_table(frame, columns, rows=rows, name=name, empty=empty)
    elif frame.empty:
        st.caption(empty)
    else:
        ui.people_table(frame, columns)
        ui.download_csv(frame[columns], f"retro-{quarter}-{name}")


def headline(figures: list[tuple[str, object, str | None]]) -> None:
    for column, (label, value, help_text) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value, help=help_text, border=True)


if slide == 1:
    with slides.stage(presenting):
        chart(charts.scorecard(r.card, size=size, width="full"), "scorecard")
    slides.clamped_list([f"{'✓' if step.done else '✗'} {step.name} — {step.evidence}" for step in r.card.steps],
                        numbered=True)

elif slide == 2:
    headline([("Sources added", len(r.sources_added), None), ("Sources pruned", len(r.sources_pruned), None),
              ("Sources behind a decision", len(metrics.top_sources(wb, r.in_quarter, n=None)),
               "Sources named by at least one of the quarter's decision write-ups.")])
    left, right = st.columns(2)
    with left, slides.stage(presenting):
        chart(charts.top_sources(r.top_sources, size=size, width="half"), "top-sources")
    with right:
        st.subheader("Added", anchor=False)
        table(r.sources_added, ["name", "kind", "owner", "added_on"], "sources-added", "No source added this quarter.")
        st.subheader("Pruned", anchor=False)
        table(r.sources_pruned, ["name", "kind", "owner", "pruned_on"], "sources-pruned",
              "No source pruned this quarter.", rows=2)

elif slide == 3:
    peer = r.card.steps[2].detail
    headline([("Critiques held", len(r.critiques), None),
              ("Months with a critique", f"{peer['months_with_critiques']} of {peer['months']}", None),
              ("Roles in the room", ", ".join(peer["roles_present"]) or "–",
               f"{', '.join(metrics.PEER_ROLE_NAMES)} are needed at least once a quarter.")])
    left, right = st.columns(2)
    with left, slides.stage(presenting, part="left"):
        chart(charts.roles_heatmap(r.roles, size=size, width="half"), "roles")
    with right, slides.stage(presenting, part="right"):
        chart(charts.artifact_types(r.artifact_types, size=size, width="half"), "artifact-types")
    if not presenting:
        table(r.critiques, ["date", "artifact_type", "artifact", "presenter", "roles"], "critiques",
              "No critique held this quarter.")

elif slide == 4:
    figures = {figure.key: figure for figure in metrics.commitment_figures(wb, r.in_quarter)}
    headline([*((figures[key].name, ui.kpi_value(figures[key]), figures[key].help)
                for key in ("artifacts_shipped", "shipped_late")),
              ("Carried over", len(r.carried), "Still open at the quarter's end: committed earlier, or due later."),
              ("Carried over and overdue", int(r.carried["state"].eq("overdue").sum()) if len(r.carried) else 0,
               "Of those carried over, the ones due before the quarter's end.")])
    left, right = st.columns(2)
    with left, slides.stage(presenting):
        chart(charts.commitments(metrics.commitments_per_quarter(wb, r.in_window), size=size, width="half"),
              "commitments")
    with right:
        st.subheader("Shipped", anchor=False)
        table(r.shipped, ["title", "state", "owner", "shipped_on"], "shipped", "Nothing shipped this quarter.", rows=3)
        st.subheader("Carried over", anchor=False)
        table(r.carried, ["title", "state", "owner", "due_on", "reason"], "carried-over", "Nothing carried over.",
              rows=3)

elif slide == 5:
    left, right = st.columns(2)
    with left:
        if presenting:
            slides.clamped_list(reports.changed_lines(r), shown=8)
        else:
            st.markdown(reports.markdown_blocks(reports.writeup(wb, f, quarter, r).sections[2].blocks))
    with right, slides.stage(presenting, tall=True):
        chart(charts.learning_flows(metrics.learning_flows(wb, r.in_quarter), size=size, width="half",
                                    height=slides.stage_height(tall=True) if presenting else None), "flows")
    if not presenting and len(r.decisions):
        ui.download_csv(r.decisions.drop(columns=["category_key"]), f"retro-{quarter}-decisions")

else:
    ui.kpi_row(r.kpis)
    to_date = quarter if metrics.under_way(wb, f, quarter) else None
    left, right = st.columns(2)
    with left, slides.stage(presenting, part="left"):
        chart(charts.score_trend(metrics.score_trend(wb, r.in_window), size=size, width="half", to_date=to_date),
              "score-trend")
    with right, slides.stage(presenting, part="right"):
        chart(charts.decisions_trend(metrics.decisions_per_quarter(wb, r.in_window), size=size, width="half",
                                     to_date=to_date), "decisions-trend")
    if not presenting:
        table(r.trend, list(r.trend.columns), "trend", "")

ui.left_out_note(wb)  # every slide says what its numbers leave out
