"""Due-date arithmetic for dossiers, rule v2 (DESIGN.md, "Deadlines").

Pure Python on purpose: no Django, no database, so every rule can be tested and benchmarked alone
and the service layer only has to load a calendar and store the returned `Due`.

Working time model
------------------
A calendar maps every local date to its working sessions (wall-clock times in the calendar's time
zone). Internally every moment ``t`` gets a working-time coordinate ``W(t)``: the number of working
microseconds from a fixed origin up to ``t``. ``W`` is constant outside sessions, so a receipt at
12:10 and the 13:30 restart of work share one coordinate. All walks happen on ``W``:

* ``working_seconds_between(a, b) == (W(b) - W(a)) // 10**6``.
* A walk of ``x`` working microseconds returns the *earliest* moment ``t`` with
  ``W(t) == W(start) + x``. Consequence (the session-end convention): a walk that exactly uses up a
  session ends at that session's end (11:30, 17:00), never at the start of the next session
  (13:30, 07:00 the next working day). This keeps
  ``working_seconds_between(a, add_working_hours(a, h)) == h * 3600`` and means a due time is never
  later on the wall clock than the working time allows.

Conventions of rule v2
----------------------
Rule versions: every `Due` names the rule it was computed under (``RULE_VERSION``). Rule v2 adds
the units ``hours``, ``months``, ``within_day`` and ``not_stated`` that real catalogue records
use; for ``working_days``, ``working_hours`` and ``calendar_days`` it gives exactly the results of
rule v1. Due dates already stored under v1 keep their v1 label and are never recomputed.

* Start: the receipt itself if it lies inside a session ``[start, end)``, otherwise the start of the
  next session. With the procedure's cut-off flag, a receipt on a working day *strictly later* than
  15:00:00 local starts at the first session of the next working day. DESIGN.md says "after 15:00";
  15:00:00 itself is read as "not after", so a citizen served at the stroke of 15:00 keeps the day.
  This start applies to every unit except ``hours``.
* ``working_days`` (integral N): the start day D has a position ``p`` = working time already elapsed
  in D at the start. The due time is on working day D+N at position ``min(p, length of D+N)`` (a
  shorter day, such as a half-day make-up Saturday, clamps to its close). Position 0, a start at the
  opening, gives the close of D+N-1, as DESIGN.md requires; with the earliest-moment convention
  this is the same formula, because the close of D+N-1 and the opening of D+N share a coordinate.
  On calendars whose working days all have the same length this equals walking N x day length.
  Fractional N (0.5, 1.5 ...) is walked as N x HOURS_PER_WORKING_DAY working hours.
* ``working_hours``: walk the hours through the sessions from the start. Amounts are rounded to
  whole seconds (half to even), so a float such as 1/3 hour does not leak binary noise into a due
  time.
* ``calendar_days`` (integral N only): the last day is the date N days after the start date (Civil
  Code 2015 Art. 147: the first day is not counted). If that date is not a working day, the last
  day is the next working day (Art. 148(5)). The due time is the close of the last session of the
  last day. Art. 148(6) ends a day at 24:00, but results are returned at the desk, so the due
  time shown on the appointment slip is the close of working hours: stricter than the Code, never
  later than it.
* ``months`` (integral N only, v2): the start date is found as for ``calendar_days`` (the same
  start, cut-off and outside-hours rules), and is not counted itself (Art. 147). The last day is
  the day of the same number N months later or, if that month has no such day, the month's last
  day (Art. 148: 31/01 + 1 month is 28/02, or 29/02 in a leap year). A last day that is not a
  working day moves to the next working day, and the due time is the close of its last session,
  as for ``calendar_days``.
* ``hours`` (v2): N clock hours, not working hours, counted from the receipt itself. Neither the
  cut-off nor the outside-hours start applies: hour limits ("trong 24 giờ") are set for urgent
  matters, whose clock runs from the moment the agency has the dossier, nights and days off
  included. The due time is ``received + N hours`` of elapsed time (added in UTC, so exact in any
  zone), expressed in the calendar's zone; it may fall outside working sessions. Amounts are
  rounded to whole seconds, as for ``working_hours``. Under the pause policy the clock time left
  at the pause is added to the resumption (`resume_due` with ``unit="hours"``); every other unit
  resumes the working time left, as in v1.
* ``within_day`` (v2): the close of the last session of the start day, the start being found as
  above: a receipt in or before the sessions of a working day is due at that day's close; a receipt
  after the cut-off (when it applies), after the close, or on a day off is due at the close of the
  next working day. The amount is ignored and may be None; `Due.amount` is then None.
* ``not_stated`` (v2): the procedure states no limit, so no due date exists: `compute_due` and
  `restart_due` raise `NoTimeLimitError` (a ValueError). Callers refuse such dossiers before
  reception (DESIGN.md: the procedure accepts none until the province sets its own limit).
* The amount may be None only for ``within_day`` and ``not_stated``; for other units None is a
  ValueError.
* Zero amounts are allowed: the due time is the start (for calendar days and months, the close of
  the start day; for hours, the receipt).
* Arithmetic is done on local wall-clock time (``hours`` excepted, see above). Viet Nam has had no
  daylight saving time since 1975, so this is exact for the default zone; nothing hard-codes the
  +07:00 offset.

Performance
-----------
Due dates are recomputed in bulk (a calendar edit touches every open dossier), so each calendar
lazily builds a table over a range of dates: the working days, an index from every date to the
next working day and prefix sums of working time. Adding N working days is then a few list
lookups, and walking hours is a bisection. The table is replaced, never mutated, when a date
falls outside it, so concurrent readers stay consistent. `bench/deadlines.py` measures it.
"""

from .calendar import (
    DEFAULT_SESSIONS,
    VIETNAM_TZ,
    NaiveDatetimeError,
    Session,
    WorkCalendar,
    _rebuild_calendar,
)
from .rules import (
    CUTOFF_TIME,
    DUE_SOON_WORKING_SECONDS,
    HOURS_PER_WORKING_DAY,
    RULE_VERSION,
    Due,
    NoTimeLimitError,
    TimeUnit,
    classify_completion,
    compute_due,
    open_state,
    restart_due,
    resume_due,
)

__all__ = [
    "CUTOFF_TIME",
    "DEFAULT_SESSIONS",
    "DUE_SOON_WORKING_SECONDS",
    "HOURS_PER_WORKING_DAY",
    "RULE_VERSION",
    "VIETNAM_TZ",
    "Due",
    "NaiveDatetimeError",
    "NoTimeLimitError",
    "Session",
    "TimeUnit",
    "WorkCalendar",
    "classify_completion",
    "compute_due",
    "open_state",
    "restart_due",
    "resume_due",
]

# WorkCalendar objects are pickled into the shared cache (dossiers.selectors). A pickle names
# `_rebuild_calendar` and `Session` by module; keep that module `dossiers.deadlines`, as before the
# split, so pickles written by either layout load in the other (for example during a deploy).
_rebuild_calendar.__module__ = __name__
Session.__module__ = __name__
