"""Measuring, wrapping and shortening chart text (learnloop.textfit), checked against the font
Debian's Chromium draws the charts in: Liberation Sans, which has Arial's and Helvetica's widths."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ImageFont

from learnloop import textfit

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


@pytest.fixture(scope="module")
def liberation():
    if not FONT.exists():
        pytest.skip(f"{FONT} (fonts-liberation, which Debian's Chromium draws Arial with) is not installed")
    return ImageFont.truetype(str(FONT), size=1000)


@pytest.mark.parametrize("text", [string.printable.strip(), "Decisions traced to learning: 85%",
                                  "PM, Design and Eng all in the room at 53% of critiques",
                                  "WWW mmm iii ..."])
def test_ascii_widths_are_the_fonts_own(liberation, text):
    assert textfit.text_width(text, 22) == pytest.approx(liberation.getlength(text) * 22 / 1000, rel=0.005)


def test_other_characters_are_never_counted_narrower_than_drawn(liberation):
    for text in ("é ü ß ç", "→ … — –", "“quoted” ‘text’ €5 · 3×"):
        assert textfit.text_width(text, 100) >= liberation.getlength(text) / 10 - 0.5, text
    assert textfit.char_width("é") == textfit.char_width("e")  # an accent adds no width
    assert textfit.char_width("漢") == 1000 and textfit.char_width("😀") == 1000  # drawn a full em wide
    assert textfit.char_width("\u0301") == 0  # a combining accent sits on the letter before it


def test_shorten_keeps_text_that_fits_and_cuts_the_rest_with_an_ellipsis():
    assert textfit.shorten("Pricing", 100, 14) == "Pricing"
    short = textfit.shorten("Stakeholder management with finance and risk", 100, 14)
    assert short.endswith("…") and textfit.text_width(short, 14) <= 100
    assert "Stakeholder management with finance and risk".startswith(short[:-1])
    assert textfit.shorten("a  b\n\tc", 100, 14) == "a b c"


def test_wrap_breaks_between_words_and_keeps_every_word():
    text = "Most-cited source: Strong Product Communities (Petra Wille)"
    lines = textfit.wrap(text, 200, 22)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(textfit.text_width(line, 22) <= 200 for line in lines)
    assert textfit.wrap("Fits on one line", 400, 22) == ["Fits on one line"]
    assert textfit.wrap("", 100, 14) == [""]


def test_wrap_cuts_a_word_longer_than_a_line_or_shortens_it_for_a_label():
    url = "https://example.com/" + "a" * 80
    cut = textfit.wrap(url, 150, 14)
    assert "".join(cut) == url and all(textfit.text_width(line, 14) <= 150 for line in cut)
    label = textfit.wrap("Stakeholder management", 50, 14, cut_words=False)
    assert len(label) == 1 and label[0].endswith("…") and label[0].startswith("Stak")


def test_wrap_stops_at_max_lines_with_an_ellipsis():
    lines = textfit.wrap("one two three four five six seven eight nine ten", 60, 14, max_lines=2)
    assert len(lines) == 2 and lines[1].endswith("…") and lines[0] == "one two"
    assert textfit.text_width(lines[1], 14) <= 60


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
       st.integers(min_value=40, max_value=900), st.sampled_from([14, 15, 18, 22, 30]),
       st.integers(min_value=1, max_value=4), st.booleans())
def test_no_line_is_ever_wider_than_asked(text, width, size, max_lines, cut_words):
    lines = textfit.wrap(text, width, size, max_lines=max_lines, cut_words=cut_words)
    assert 1 <= len(lines) <= max_lines
    for line in lines:
        assert textfit.text_width(line, size) <= width
    assert textfit.text_width(textfit.shorten(text, width, size), size) <= width
