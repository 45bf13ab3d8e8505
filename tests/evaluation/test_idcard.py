"""The identity card number's check (GB 11643-1999): the standard's own examples pass, and each
fault is told apart, with a message that says what to correct."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from evaluation import idcard


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_published_examples_of_gb_11643_are_valid(number):
    assert idcard.check(number) == number
    assert idcard.check_character(number[:17]) == number[17]


def test_a_lower_case_x_and_spaces_around_are_accepted_as_typed():
    assert idcard.check(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("number, code, words", [
    ("1101051949123100", "length", "此号码为16位"),
    ("11010519491231002XX", "length", "此号码为19位"),
    ("11010519491231A02X", "character", "17位数字"),
    ("110105194912310021", "check", "校验码"),
    ("440524188001010015", "check", "校验码"),
    ("110105194913310029", "birth", "出生日期"),
    ("110105179912310029", "birth", "出生日期"),
])
def test_each_fault_is_named_and_said_in_words(number, code, words):
    with translation.override("zh-hans"):  # the message is worded in the language of the request that asks
        with pytest.raises(idcard.IDNumberError) as err:
            idcard.check(number)
        assert err.value.code == code
        assert words in str(err.value.message)


def test_a_birth_date_in_the_future_is_refused():
    first17 = "110105" + "20990101" + "001"
    with pytest.raises(idcard.IDNumberError) as err:
        idcard.check(first17 + idcard.check_character(first17), today=datetime.date(2026, 1, 1))
    assert err.value.code == "birth"


def test_the_model_validator_raises_a_validation_error_with_the_fault_s_code():
    with pytest.raises(ValidationError) as err:
        idcard.validate_id_number("110105194912310021")
    assert err.value.code == "id_check"
