"""Add English translations to an app's catalogue and recompile it: `python scripts/po_add.py APP FILE.tsv`.

FILE holds one `中文<TAB>English` pair a line (placeholders such as %(n)s kept in both). Entries already in
the catalogue are left alone; the .mo is rebuilt with msgfmt. For catalogues that `makemessages` would
otherwise churn: a small, reviewable diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "jingzhi"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(app: str, pairs_file: str) -> int:
    po = ROOT / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    added = 0
    for line in Path(pairs_file).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        chinese, english = line.split("\t")
        if f"msgid {quote(chinese)}\n" in text:
            continue
        text = text.rstrip("\n") + f"\n\nmsgid {quote(chinese)}\nmsgstr {quote(english)}\n"
        added += 1
    po.write_text(text, encoding="utf-8")
    subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    print(f"{app}: {added} added")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
