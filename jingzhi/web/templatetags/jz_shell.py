"""`{% fixedpart a b … %}…{% endfixedpart %}`: a piece of the page shell rendered once per process for each
set of the values it names, then served from memory (issue 16: the header, the language switch and the
footer of `base.html` cost a signed-in page more than its own SQL).

The part's output may depend only on the listed values, the active language, the script prefix and the
URLconf (those three are always part of the key) and on settings (any `setting_changed` forgets every part).
Nothing per request or per person goes inside unless it is listed: a `{% csrf_token %}` or a `{% block %}`
inside one is refused when the template is parsed (a token must never be shared; a block would serve one
page's content to every page extending the template). Variables assigned inside the part (`as x`) stay
inside it, so a template renders the same whether the part was cached or not.

The memory is kept on the template node (a template parsed again starts empty) and bounded: a node that has
seen `MAX_PARTS` keys starts over.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import Promise
from django.utils.translation import get_language

register = template.Library()

MAX_PARTS = 512
_MOUNTED = object()  # its key in a render context
_generation = 0


@receiver(setting_changed)
def _forget_parts(**kwargs) -> None:
    global _generation
    _generation += 1


def frozen(value):
    """A hashable stand-in for a context value: lists and dicts (the navigation's entries) as tuples, a lazy
    translation as its text in the active language."""
    if isinstance(value, dict):
        return tuple((k, frozen(v)) for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if isinstance(value, Promise):
        return str(value)
    hash(value)  # an unhashable value is a template error, not a silent miss
    return value


class FixedPartNode(template.Node):
    def __init__(self, nodelist, vary):
        self.nodelist = nodelist
        self.vary = vary
        self.parts: dict[tuple, str] = {}
        self.generation = _generation

    def render(self, context):
        if self.generation != _generation:
            self.parts, self.generation = {}, _generation
        mounted = context.render_context.get(_MOUNTED)
        if mounted is None:  # once per template rendered: the request's script prefix and URLconf
            mounted = context.render_context[_MOUNTED] = (get_script_prefix(), get_urlconf())
        # The language each time: a `{% language %}` block may change it within a template.
        key = (get_language(), *mounted, *(frozen(v.resolve(context)) for v in self.vary))
        html = self.parts.get(key)
        if html is None:
            with context.push():
                html = self.nodelist.render(context)
            if len(self.parts) >= MAX_PARTS:
                self.parts = {}
            self.parts[key] = html
        return html


@register.tag
def fixedpart(parser, token):
    vary = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endfixedpart",))
    parser.delete_first_token()
    for kind, what in ((BlockNode, "{% block %}"), (CsrfTokenNode, "{% csrf_token %}")):
        if nodelist.get_nodes_by_type(kind):
            raise template.TemplateSyntaxError(f"{what} cannot be inside {{% fixedpart %}}")
    return FixedPartNode(nodelist, vary)
