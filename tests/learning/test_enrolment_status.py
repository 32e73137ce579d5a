"""The enrolment's status changes: active to completed or withdrawn, withdrawn back to active,
and nothing out of completed. Stored values stay the plain strings the reports query."""

from datetime import datetime

import pytest

from app.learning.models import Enrolment, EnrolmentError, EnrolmentStatus

AT = datetime(2026, 3, 1, 12, 0)


def _enrolment(status: EnrolmentStatus | None = EnrolmentStatus.ACTIVE) -> Enrolment:
    return Enrolment(status=status.value if status else None)


def test_an_active_enrolment_completes_at_the_given_time():
    enrolment = _enrolment()
    enrolment.complete(AT)
    assert enrolment.status == "completed"
    assert enrolment.status_enum is EnrolmentStatus.COMPLETED
    assert enrolment.completed_at == AT


def test_a_new_enrolment_not_yet_saved_counts_as_active():
    enrolment = _enrolment(None)
    assert enrolment.status_enum is EnrolmentStatus.ACTIVE
    enrolment.withdraw()
    assert enrolment.status == "withdrawn"


def test_withdraw_and_come_back():
    enrolment = _enrolment()
    enrolment.withdraw()
    assert enrolment.status == "withdrawn"
    assert not enrolment.is_active
    enrolment.reactivate()
    assert enrolment.status == "active"
    assert enrolment.is_active


@pytest.mark.parametrize(
    ("start", "change"),
    [
        (EnrolmentStatus.COMPLETED, "withdraw"),
        (EnrolmentStatus.COMPLETED, "reactivate"),
        (EnrolmentStatus.COMPLETED, "complete"),
        (EnrolmentStatus.WITHDRAWN, "complete"),
        (EnrolmentStatus.WITHDRAWN, "withdraw"),
        (EnrolmentStatus.ACTIVE, "reactivate"),
    ],
)
def test_refused_changes_raise_and_change_nothing(start, change):
    enrolment = _enrolment(start)
    args = (AT,) if change == "complete" else ()
    with pytest.raises(EnrolmentError, match=f"a {start.value} enrolment cannot become"):
        getattr(enrolment, change)(*args)
    assert enrolment.status == start.value
    assert enrolment.completed_at is None
