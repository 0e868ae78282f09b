"""Charts without inline script: what chartkick's Python helpers would render, as data.

chartkick.django's LineChart/BarChart objects render a <div>, a JSON block and an inline <script> that starts
the chart — the script would be refused by the site's Content-Security-Policy. Views build a plain dict
here instead; the template puts it in a `json_script` block (data, never executed) beside a
`data-chart` element (templates `web/_chart.html` and `web/_chart_scripts.html`), and web/charts.js starts
Chartkick on it from our own static file.
"""

from __future__ import annotations

import re

_SIZE = re.compile(r"^[0-9.]+(px|%|rem|em|vh)$")


def chart(kind: str, data, *, height: str = "300px", loading: str = "", **options) -> dict:
    """`kind` is a Chartkick chart class (LineChart, BarChart, ...); options are Chartkick's."""
    if not _SIZE.match(height):
        raise ValueError(f"chart height must be a CSS length such as 240px, not {height!r}")
    return {"type": kind, "data": data, "height": height, "loading": loading, "options": options}
