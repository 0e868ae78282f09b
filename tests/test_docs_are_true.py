"""Documented limits and paths checked against the code where that is cheap (issue 9 §7): the description
limit was documented as 2000 while the code said 4000, and a doc named a test file that did not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
SETTING_ROW = re.compile(r"^\|\s*`(JINGZHI_[A-Z0-9_]+)`\s*\|\s*`?([0-9][0-9_,]*)`?\s*(?:\(|\|)")
PATH = re.compile(r"`((?:jingzhi|tests|bench|scripts|docs)/[\w./-]+\.(?:py|md|html|js|css|toml))`")


def _rows():
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            yield doc, number, line


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_numeric_defaults_match_the_settings(doc):
    wrong = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        match = SETTING_ROW.match(line)
        if not match or not hasattr(settings, match.group(1)):
            continue
        documented = int(match.group(2).replace(",", "").replace("_", ""))
        actual = getattr(settings, match.group(1))
        if isinstance(actual, int | float) and not isinstance(actual, bool) and documented != actual:
            wrong.append(f"{doc.name}:{number} {match.group(1)} documented {documented}, code {actual}")
    assert wrong == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_doc_names_exists(doc):
    missing = [
        f"{doc.name}: {path}"
        for path in PATH.findall(doc.read_text(encoding="utf-8"))
        if "*" not in path and "<" not in path and not (ROOT / path).exists()
    ]
    assert missing == []
