"""Search: everything the workbook holds about a topic, and the trail from what was learned to what changed."""

import streamlit as st

from learnloop import search, search_view, ui

wb = ui.workbook()
f = ui.filters()
st.title("Search")
st.caption("Every theme, source, critique, commitment and decision that mentions what you type, each with its "
           "trail: what it was learned from, and what it changed.")

typed = st.text_input("Search the workbook", key="q", bind="query-params", icon=":material/search:",
                      placeholder='pricing, onboarding, "annual plan", a name…')
if not typed:
    st.caption("Every word must be in a row, in any case or accent, each from its start (*pric* finds *pricing*); "
               "put a phrase in double quotes. When nothing matches, one typo in a longer word is forgiven. "
               "The sidebar's filters narrow the results, and the address bar keeps the search, to share it.")
else:
    found = search.search(wb, typed, f, limit=search_view.PER_TAB, per_tab=True)
    filtered = f.quarters is not None or bool(f.teams or f.people or f.themes)
    st.html(f"<style>{search_view.CSS}</style>")
    st.html(search_view.summary(found, filtered=filtered))
    for tab, count in found.counts.items():
        if not count:
            continue
        st.subheader(f"{search_view.TAB_LABELS[tab]} · {count}", anchor=f"results-{tab}")
        shown = found.in_tab(tab)
        if len(shown) < count:
            st.caption(f"The best {len(shown)} of {count}: add a word or a filter to narrow them.")
        st.html(search_view.hits(wb, found, tab))
