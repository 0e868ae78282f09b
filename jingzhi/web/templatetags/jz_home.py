"""Small presentation filters of the home page's blocks: a case's state in a resident's plain words."""

from django import template

from jingzhi.web.casepages.common import resident_state_words

register = template.Library()


@register.filter
def resident_words(state: str) -> str:
    return resident_state_words(state)
