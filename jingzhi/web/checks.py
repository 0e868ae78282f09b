"""System checks for the web shell: every asset the pages load must come from our own packages."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.core.checks import Warning, register

ASSETS = {
    "leaflet/leaflet.js": "XStatic-Leaflet",
    "leaflet/leaflet.css": "XStatic-Leaflet",
    "django_htmx/htmx-2.min.js": "django-htmx",
    "chartkick/Chart.bundle.js": "chartkick",
    "chartkick/chartkick.js": "chartkick",
    "web/map.js": "jingzhi",
}


@register()
def static_assets_present(app_configs=None, **kwargs):
    problems = []
    for path, package in ASSETS.items():
        if not finders.find(path):
            problems.append(
                Warning(
                    f"找不到静态文件 {path}：地图或页面交互将无法工作。",
                    hint=f"请确认已安装 {package}（pip install -e .），且 settings.STATICFILES_DIRS 含 leaflet 前缀。",
                    id="jingzhi.web.W001",
                )
            )
    return problems
