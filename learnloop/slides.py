"""The retro's slides in the room: presentation mode that fits a shared screen, stepped by keyboard.

A slide is laid out for a 1280×720 laptop screen and grows with the screen (1920×1080 in a meeting
room): type is sized in viewport units, and a slide's charts share a *stage* whose height is a share
of the screen, so nothing scrolls. Long text is clamped to a line with "…" (the whole text on hover),
tables show their first rows and "and N more" (all of them one click away). ←/→, PageUp/PageDown and
Space step through the slides, whatever control was used last; Esc leaves presentation mode.

Everything here is our own constant or escaped sheet text: nothing from the sheet or the URL ever
goes into a style block, a script or an attribute unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from learnloop import ui

#: Presentation mode for screen-sharing a retro: no sidebar, header, toolbar, banners or controls
#: above the slide (a slide counter stays), large high-contrast type, the slide filling the screen.
PRESENTATION_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"], .st-key-retro-controls { display: none !important; }
/* Banners the frame shows above the page (the demo notice) are not part of a slide. */
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]
  > [data-testid="stElementContainer"]:has(> [data-testid="stAlert"]) { display: none !important; }
.stApp, [data-testid="stMain"] { background: #FFFFFF; }
[data-testid="stMainBlockContainer"] { max-width: none; padding: 1.2vh 3vw 0; color: #000000; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 1.6vh; }
[data-testid="stMainBlockContainer"] h2 { font-size: 5.4vh; line-height: 1.15; padding: 0; color: #000000;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
[data-testid="stMainBlockContainer"] h3 { font-size: 3.2vh; line-height: 1.2; padding: 0; color: #000000; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li { font-size: 2.8vh; line-height: 1.3; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 2.1vh; color: #1B1F24; }
[data-testid="stMainBlockContainer"] [data-testid="stMetric"] { padding: 0.8vh 1.2vw; }
[data-testid="stMainBlockContainer"] [data-testid="stMetric"] label { min-height: 0; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p { font-size: 5vh; line-height: 1.1;
  color: #000000; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p { font-size: 2.3vh; color: #1B1F24; }
[data-testid="stTableStyledTable"] { table-layout: fixed; width: 100%; }
[data-testid="stTable"] td, [data-testid="stTable"] th { color: #000000; padding: 0.4vh 0.6vw; overflow: hidden; }
[data-testid="stTable"] td > div, [data-testid="stTable"] th > div { overflow: hidden; width: 100%; }
[data-testid="stTableStyledTable"] th:first-child { width: 40%; }
[data-testid="stTable"] td p, [data-testid="stTable"] th p { font-size: 2.3vh !important; line-height: 1.3 !important;
  margin: 0 !important; display: block; white-space: nowrap !important; overflow: hidden !important;
  text-overflow: ellipsis !important; }
/* A slide's charts share the stage: its height is a share of the screen, whatever the screen. */
/* Streamlit draws a fixed-height container inside a wrapper of the same height: both take the stage's. */
div:has(> [class*="st-key-slide-stage-"]), [class*="st-key-slide-stage-"] { --stage: 52vh; }  /* STAGE_SHARE below */
div:has(> [class*="st-key-slide-stage-tall-"]), [class*="st-key-slide-stage-tall-"] { --stage: 62vh; }
div:has(> [class*="st-key-slide-stage-"]), [class*="st-key-slide-stage-"] { height: var(--stage) !important;
  min-height: var(--stage) !important; max-height: var(--stage) !important; overflow: hidden !important; }
ol.clamped, ul.clamped { margin: 0; padding-left: 1.4em; }
ol.clamped li, ul.clamped li { font-size: 2.8vh; line-height: 1.35; white-space: nowrap; overflow: hidden;
  list-style-position: inside;
  text-overflow: ellipsis; }
"""

#: Clamped lists outside presentation mode wrap as usual.
SCREEN_CSS = """
ol.clamped, ul.clamped { margin: 0 0 0.5rem; padding-left: 1.4em; }
ol.clamped li, ul.clamped li { line-height: 1.5; overflow-wrap: anywhere; }
"""

#: ←/→, PageUp/PageDown and Space step through the slides, Esc leaves presentation mode. The listener
#: is on the document and runs first (capture), so it works right after any control was clicked (the
#: toggle, the quarter, a slide number) and a focused checkbox never takes Space for itself. It does
#: nothing while someone types, while a dropdown is open, or on another page.
KEYS_SCRIPT = """
<script>
(() => {
  if (window.learnloopSlideKeys) return;
  window.learnloopSlideKeys = true;
  const typing = (element) => element && (element.isContentEditable || element.tagName === "TEXTAREA" ||
    (element.tagName === "INPUT" && !["checkbox", "radio", "button"].includes(element.type) &&
     element.getAttribute("role") !== "combobox"));
  document.addEventListener("keydown", (event) => {
    const next = document.querySelector(".st-key-retro-next button");
    const previous = document.querySelector(".st-key-retro-previous button");
    if (!next || !previous || event.altKey || event.ctrlKey || event.metaKey) return;
    const active = document.activeElement;
    if (typing(active) || document.querySelector("[aria-expanded='true'][role='combobox']")) return;
    const presenting = document.querySelector(".st-key-presentation input");
    let button = null;
    if (["ArrowRight", "PageDown", " "].includes(event.key)) button = next;
    else if (["ArrowLeft", "PageUp"].includes(event.key)) button = previous;
    else if (event.key === "Escape" && presenting && presenting.checked) button = presenting;
    if (!button) return;
    event.preventDefault();
    event.stopPropagation();
    if (active && active !== document.body) active.blur();
    button.click();
  }, true);
})();
</script>
"""


def look(presenting: bool) -> None:
    """The slide's look: presentation mode, or the page's usual look; and the slide keys."""
    st.html(f"<style>{ui.OWN_QUARTER_CSS}{PRESENTATION_CSS if presenting else SCREEN_CSS}</style>")
    st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)


def stage(presenting: bool, *, tall: bool = False, part: str = "main"):
    """A container for a slide's charts: in presentation mode its height is a share of the screen
    (charts inside take ``height="stretch"``), otherwise the page's usual flow. Charts side by side
    each take a stage of their own (``part`` names it), in their own column."""
    if not presenting:
        return st.container()
    return st.container(height=400, border=False, key=f"slide-stage{'-tall' if tall else ''}-{part}")


#: A stage's share of the screen's height (see ``--stage`` above), and the screen charts are laid out
#: for: the smallest a room shows, so the same chart only has more room on a larger one.
STAGE_SHARE = {False: 0.52, True: 0.62}
DESIGN_SCREEN_HEIGHT = 720


def stage_height(*, tall: bool = False) -> int:
    """A stage's height (px) on the smallest screen: for charts that must keep to it."""
    return int(STAGE_SHARE[tall] * DESIGN_SCREEN_HEIGHT)


def chart(figure, key: str, presenting: bool) -> None:
    """A slide's chart: filling its share of the stage when presenting."""
    if presenting:
        figure.update_layout(height=None)
    st.plotly_chart(figure, theme=None, key=f"retro-{key}", height="stretch" if presenting else "content",
                    # On screen its tools show on hover only: always shown, they lay over the chart's title.
                    config={"displayModeBar": False if presenting else "hover"})


def clamped_list(lines: Sequence[str], *, numbered: bool = False, shown: int | None = None) -> None:
    """Lines of (already worded) text as a list; each line is one line on a slide, cut with "…" and
    whole on hover. Text is escaped: nothing in it is ever markup. With ``shown``, the first lines
    and "and N more"."""
    tag = "ol" if numbered else "ul"
    visible = list(lines) if shown is None else list(lines)[:shown]
    items = "".join(f'<li title="{html.escape(line, quote=True)}">{html.escape(line)}</li>' for line in visible)
    more = len(lines) - len(visible)
    st.html(f'<{tag} class="clamped">{items}</{tag}>')
    if more:
        st.caption(f"and {more} more")


def clamped_table(frame: pd.DataFrame, columns: list[str], *, rows: int, name: str, empty: str) -> None:
    """A slide's table in large, plain type: its first ``rows`` rows and "and N more", every row one
    click away; cells are one line, cut with "…"."""
    if frame.empty:
        st.caption(empty)
        return
    # A non-breaking hyphen: a date stays on one line.
    ui.static_table(ui.for_people(frame[columns].head(rows), hyphen="\u2011"))
    if len(frame) > rows:
        with st.popover(f"and {len(frame) - rows} more", type="tertiary", key=f"more-{name}"):
            ui.people_table(frame, columns)


__all__ = ["KEYS_SCRIPT", "PRESENTATION_CSS", "chart", "clamped_list", "clamped_table", "look", "stage"]
