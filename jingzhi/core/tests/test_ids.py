"""One strict parser for ids and counts (issue 9 §5: `isdigit()` then `int()` answered 500 on "²")."""

from __future__ import annotations

import pytest

from jingzhi.core.ids import MAX_ID, is_code, parse_count, parse_id


@pytest.mark.parametrize(
    "raw", ["²", "①", "１２", " 12", "12 ", "+12", "-1", "1_000", "0", "", "1e3", "\x00", None, True]
)
def test_parse_id_refuses_anything_but_plain_ascii_digits_of_a_positive_id(raw):
    assert parse_id(raw) is None


def test_parse_id_takes_ascii_digits_ints_and_model_instances():
    class Row:
        pk = 7

    assert parse_id("42") == 42 and parse_id(42) == 42 and parse_id(Row()) == 7


def test_parse_id_refuses_an_id_no_database_can_hold():
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None and parse_id("9" * 30) is None and parse_id(MAX_ID + 1) is None


def test_parse_count_keeps_its_bounds():
    assert parse_count("0") == 0 and parse_count("5", maximum=5) == 5
    assert parse_count("6", maximum=5) is None and parse_count("0", minimum=1) is None
    assert parse_count("²") is None and parse_count(3.0) is None


def test_is_code_wants_ascii_digits_of_the_right_width():
    assert is_code("110102", 6) and is_code("110102")
    assert (
        not is_code("11010", 6)
        and not is_code("１１０１０２", 6)
        and not is_code("11010²")
        and not is_code("")
    )


def test_the_smallest_and_largest_ids_are_accepted_as_text_and_as_ints():
    assert (parse_id("1"), parse_id(1), parse_id(MAX_ID)) == (1, 1, 9223372036854775807)
    assert (parse_id(0), parse_id(-1)) == (None, None)


def test_is_code_refuses_what_is_not_text():
    assert is_code(110102) is False and is_code(None) is False and is_code(["1"]) is False
