from hypothesis import given
from hypothesis import strategies as st

from core.ingest.texify import texify


def test_names_from_arxiv_metadata() -> None:
    assert texify(r"S{\o}ren") == "Søren"
    assert texify(r"R\'emi") == "Rémi"
    assert texify(r"{\L}a\'ncucki") == "Łańcucki"
    assert texify(r"Merlin Sch\"uler") == "Merlin Schüler"
    assert texify(r"Erd\H{o}s and \v{S}tefan and \c{C}a\u{g}lar") == "Erdős and Štefan and Çağlar"
    assert texify(r"na\"{\i}ve Stra\ss e \AA ngstr\"om") == "naïve Straße Ångström"


def test_math_is_left_exactly_as_written() -> None:
    text = r"R\'enyi bounds for $\ell_1$ and $\'a \{x\}$ with \(\alpha\)"
    assert texify(text) == r"Rényi bounds for $\ell_1$ and $\'a \{x\}$ with \(\alpha\)"


def test_grouping_braces_and_escapes() -> None:
    assert texify(r"{G}aussian {P}rocesses: 50\% \& more") == "Gaussian Processes: 50% & more"


@given(st.text(alphabet=st.characters(blacklist_characters="\\{}$")))
def test_plain_text_is_unchanged(text: str) -> None:
    assert texify(text) == text


@given(st.text(alphabet="abc \\'\"{}^_", max_size=30))
def test_math_segments_survive_any_surrounding_text(noise: str) -> None:
    math = r"$\hat{x}_{\'e}$"
    assert math in texify(f"{noise.replace('$', '')} {math} ")
