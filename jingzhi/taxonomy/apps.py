from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "jingzhi.taxonomy"
    label = "taxonomy"
    verbose_name = _("案件分类与时限")
