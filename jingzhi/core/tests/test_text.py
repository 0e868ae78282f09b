from django.utils import translation

from jingzhi.core.text import listing


def test_a_list_in_a_message_is_joined_the_way_the_reader_reads_it():
    with translation.override("zh-hans"):
        assert listing(["井盖", "路灯", 3]) == "井盖、路灯、3"
    with translation.override("en"):
        assert listing(["manhole cover", "street light"]) == "manhole cover, street light"
    assert listing([]) == ""
