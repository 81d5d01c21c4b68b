"""Reading library exports: BibTeX as Zotero, Mendeley and Google Scholar write it, lists of ids
and links, and one line naming what is wrong with anything else."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.library import MAX_BYTES
from core.library.ids import find_id
from core.library.parse import Entry, decode, kind_of, parse_library

ZOTERO = r"""
@article{vaswaniAttentionAllYou2017,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	urldate = {2024-01-02},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	month = aug,
	year = {2023},
	note = {arXiv:1706.03762 [cs]},
}

@misc{doeSparse2024,
	title = {Sparse {Autoencoders} for \textit{{Mixture}} of {Experts} in {Schr{\"o}dinger} bridges},
	eprint = {2405.01234},
	archivePrefix = {arXiv},
	primaryClass = {cs.LG},
}
"""

MENDELEY = """@article{Smith2021,
archivePrefix = {arXiv},
arxivId = {2106.09685},
author = {Smith, J.},
eprint = {2106.09685},
title = {{LoRA: Low-Rank Adaptation of Large Language Models}},
year = {2021}
}
"""

SCHOLAR = """@article{he2016identity,
  title={Identity mappings in deep residual networks},
  author={He, Kaiming and Zhang, Xiangyu},
  journal={arXiv preprint arXiv:1603.05027},
  year={2016}
}
@inproceedings{he2016deep,
  title={Deep residual learning for image recognition},
  booktitle={Proceedings of the IEEE conference on computer vision and pattern recognition},
  pages={770--778},
  year={2016},
  doi={10.1109/CVPR.2016.90}
}
@article{old,
  title="Old style",
  eprint="hep-th/9901001",
}
@misc{other, title={Not arXiv}, eprint={123456}, archivePrefix={PubMed}}
"""


def test_zotero_export_finds_ids_in_url_doi_and_eprint_and_renders_titles() -> None:
    entries = parse_library(ZOTERO)
    assert [(e.arxiv_id, e.label, e.line) for e in entries] == [
        ("1706.03762", "vaswaniAttentionAllYou2017", 2),
        ("2405.01234", "doeSparse2024", 14),
    ]
    assert entries[0].title == "Attention Is All You Need"
    assert entries[1].title == "Sparse Autoencoders for Mixture of Experts in Schrödinger bridges"
    assert kind_of(ZOTERO) == "bibtex"


def test_mendeley_and_scholar_exports() -> None:
    assert [e.arxiv_id for e in parse_library(MENDELEY)] == ["2106.09685"]
    assert parse_library(MENDELEY)[0].title == "LoRA: Low-Rank Adaptation of Large Language Models"
    found = {e.label: e for e in parse_library(SCHOLAR)}
    assert found["he2016identity"].arxiv_id == "1603.05027"
    assert found["he2016deep"].arxiv_id is None  # a DOI of another publisher: matched by title later
    assert found["he2016deep"].title == "Deep residual learning for image recognition"
    assert found["old"].arxiv_id == "hep-th/9901001"
    assert found["other"].arxiv_id is None  # an eprint of another archive is not an arXiv id


def test_string_macros_concatenation_and_parenthesised_entries() -> None:
    text = (
        '@string{pre = "arXiv preprint "}\n@comment{ignore {this}}\n% by me@example.org\n'
        '@article(k, journal = pre # "arXiv:2401.00001v2", title = "T")'
    )
    assert parse_library(text) == [Entry(line=4, arxiv_id="2401.00001", title="T", label="k")]


def test_lists_of_ids_and_links_in_every_form() -> None:
    text = "\n".join(
        [
            "# my reading list",
            "2405.01234",
            "2405.01235v3",
            "arXiv:2405.01236",
            "https://arxiv.org/abs/2405.01237v2",
            "https://arxiv.org/pdf/2405.01238v1.pdf",
            "http://export.arxiv.org/html/2405.01239",
            "https://doi.org/10.48550/arXiv.2405.01240",
            "hep-th/9901001",
            "https://arxiv.org/abs/math.GT/0309136",
            "- 2405.01241  (read twice)",
            "3. 2405.01242",
            "2405.01243 https://arxiv.org/abs/2405.01244, arXiv:2405.01245",
            "",
            "2405.01234v2",  # a duplicate, another version
        ]
    )
    ids = [e.arxiv_id for e in parse_library(text)]
    assert ids == [f"2405.012{n}" for n in range(34, 41)] + [
        "hep-th/9901001",
        "math.GT/0309136",
        "2405.01241",
        "2405.01242",
        "2405.01243",
        "2405.01244",
        "2405.01245",
    ]
    assert kind_of(text) == "list"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@article{x,\n  title = {Unclosed,\n  year = 2020\n", "line 1: unterminated entry"),
        (
            "@article{a, title={A}}\n\n@article{b,\n title={B}\n@article{c, title={C}}",
            "line 3: unterminated entry",
        ),
        ("@article{x, title {A}}", "line 1: expected '=' after field 'title'"),
        ("2405.01234\nhello world\n", "line 2: not an arXiv id or link: 'hello world'"),
        ("2405.01234\n2599.00001\n", "line 2: not an arXiv id or link: '2599.00001'"),
        ("\n\n# nothing\n", "No entries found"),
        ("https://example.org/paper.pdf", "line 1: not an arXiv id or link"),
    ],
)
def test_bad_files_are_one_line_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_library(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_binary_and_oversized_files_are_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="not a text file"):
        decode(b"%PDF-1.7\x00\x01\x02")
    with pytest.raises(InputError, match="too large"):
        decode(b"2405.01234\n" * (MAX_BYTES // 10))
    assert decode("\ufeff@misc{k, title={Caf\u00e9}}".encode()) == "@misc{k, title={Caf\u00e9}}"
    assert decode("title={Caf\u00e9}".encode("latin-1")) == "title={Caf\u00e9}"  # older exports


def test_only_real_identifiers_are_found() -> None:
    assert find_id("10.1109/ICSTW58534.2023.00078") is None  # a DOI's digits are not an id
    assert find_id("https://arxiv.org/abs/2599.12345") is None  # month 99
    assert find_id("https://arxiv.org/abs/../../etc/passwd") is None
    assert find_id("ARXIV:HEP-TH/9901001") == "hep-th/9901001"
