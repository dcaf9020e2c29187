"""``attendance``: sessions, no-shows and late cancellations per week and therapist; time from
referral to the first session and to the contract."""

from projections.attendance.projection import AttendanceProjection
from projections.attendance.view import (
    Durations,
    WaitingTimes,
    WeekAttendance,
    waiting_times,
    weekly_attendance,
)

__all__ = ["AttendanceProjection", "Durations", "WaitingTimes", "WeekAttendance",
           "waiting_times", "weekly_attendance"]
