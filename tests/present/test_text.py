"""Sentences and text blocks (kamlib.present.text): names escaped, and the headlines of
the sample's bundle."""

from __future__ import annotations

import pytest

from kamlib import present

EVIL = "<script>alert('x')</script> & Co"
HOSTILE = "<script>alert('x')</script> & \"Co\" 5 % +1 pp"


def test_names_are_escaped_in_text_blocks():
    for h in (present.callout(EVIL, "alert", title=EVIL), present.section_note(EVIL),
              present.bullets([EVIL]), present.facts([(EVIL, EVIL)])):
        assert "<script>" not in h and "&lt;script&gt;" in h


@pytest.mark.slow
def test_headlines_for_the_sample_bundle(sample_bundle):
    lines = present.headlines(sample_bundle)
    assert 3 <= len(lines) <= 6
    assert all(s.endswith(".") for s in lines)
    assert any(s.startswith("Logo churn was") and "95 % interval" in s for s in lines)
    assert lines == present.headlines(sample_bundle)


def test_every_fragment_escapes_names():
    for h in (present.callout(HOSTILE, "alert", title=HOSTILE), present.section_note(HOSTILE),
              present.bullets([HOSTILE]), present.facts([(HOSTILE, HOSTILE)])):
        assert "<script>" not in h and "&lt;script&gt;alert(&#x27;x&#x27;)" in h
        assert "&quot;Co&quot;" in h and "5&nbsp;%" in h
