"""Validation errors read the same everywhere: ``where: message``, with our own wording kept."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError, field_validator

from consentgate.validation import describe, first_problem


class Terms(BaseModel):
    days: int

    @field_validator("days")
    @classmethod
    def positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("days must be positive")
        return value


class Wrapper(BaseModel):
    terms: Terms


def refusal(model: type[BaseModel], data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value


def test_a_validators_own_message_reads_as_it_was_written() -> None:
    err = refusal(Wrapper, {"terms": {"days": 0}})
    assert first_problem(err) == (("terms", "days"), "days must be positive")
    assert describe(err) == "terms.days: days must be positive"


def test_leading_parts_of_the_location_can_be_left_out() -> None:
    err = refusal(Wrapper, {"terms": {"days": 0}})
    assert describe(err, skip=1) == "days: days must be positive"


def test_an_error_about_the_whole_value_is_named_by_the_caller() -> None:
    err = refusal(Terms, "not an object")
    assert describe(err, whole="terms").startswith("terms: ")
