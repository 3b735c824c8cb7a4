"""A person registered with profile fields finds them on their profile record, and the ones they
did not give stay empty (on a real database)."""

from __future__ import annotations

from consentgate.domain import Category
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.records import StoreDataSource


def test_profile_fields_given_at_registration_are_on_the_profile_record(
    services: Services, database: Database
) -> None:
    services.people.register_person(
        "carol", "Carol", person_id="p-carol", city="Lyon", birth_year=1988
    )
    services.people.register_person("dan", "Dan", person_id="p-dan")

    source = StoreDataSource(database)
    (carol,) = source.fetch("p-carol", Category.PROFILE)
    (dan,) = source.fetch("p-dan", Category.PROFILE)

    assert (carol.fields["city"], carol.fields["birth_year"], carol.fields["bio"]) == (
        "Lyon",
        1988,
        None,
    )
    assert (dan.fields["city"], dan.fields["birth_year"], dan.fields["bio"]) == (None, None, None)
