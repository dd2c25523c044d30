"""Properties of the leaders' statistics on random dossier sets (hypothesis): the Biểu 06
identity holds in every row, every cell equals a brute-force count in plain Python (written
independently of report_column_q), and every drill-down list has the length of its number. The
moment the report is built at (`now`) is drawn too: the stocks are judged at min(t1, now)."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dossiers.statistics import COLUMNS, GROUPINGS, Period, report_build, report_drilldown
from procedures.choices import AgencyKind
from tests.dossiers.moments import at
from tests.dossiers.stats_support import make_dossier
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory

START = at(2026, 1, 1)
HOURS = 24 * 120  # January to April 2026
# Month starts are the boundaries most periods use: draw them often.
BOUNDARIES = [int((at(2026, m, 1) - START).total_seconds() // 3600) for m in (2, 3, 4)]

moment = st.one_of(
    st.sampled_from(BOUNDARIES),
    st.integers(0, HOURS // 24).map(lambda days: days * 24),  # local midnights
    st.integers(0, HOURS),
).map(lambda hours: START + timedelta(hours=hours))
later = st.one_of(st.just(0), st.sampled_from([24, 24 * 7]), st.integers(0, 24 * 60))


def after(draw, previous):
    """A moment not before `previous`: often a boundary or a midnight, so ties with t0 and t1
    come up."""
    return draw(
        st.one_of(
            moment.map(lambda m: max(m, previous)),
            later.map(lambda hours: previous + timedelta(hours=hours)),
        )
    )


@st.composite
def dossier_spec(draw):
    spec = {
        "procedure": draw(st.integers(0, 2)),
        "channel": draw(st.sampled_from(["online", "direct", "postal"])),
    }
    received = draw(st.booleans() | st.just(True))
    submitted = draw(moment)
    if draw(st.booleans()):
        spec["submitted_at"] = submitted
    if not received:
        if draw(st.booleans()):
            spec["refused_at"] = after(draw, submitted)
        return spec
    received_at = after(draw, submitted)
    spec["received_at"] = received_at
    spec["due_at"] = after(draw, received_at)
    ending = draw(st.sampled_from(["open", "completed", "withdrawn"]))
    if ending == "completed":
        completed = after(draw, received_at)
        spec["completed_at"] = completed
        spec["timeliness"] = draw(st.sampled_from(["early", "on_time", "late"]))
        if draw(st.booleans()):
            spec["returned_at"] = after(draw, completed)
            if draw(st.booleans()):
                spec["rating"] = (
                    draw(st.sampled_from(["very_satisfied", "satisfied", "not_satisfied"])),
                    after(draw, spec["returned_at"]),
                )
    elif ending == "withdrawn":
        spec["withdrawn_at"] = after(draw, received_at)
    pauses = []
    start = received_at
    for _ in range(draw(st.integers(0, 2))):
        started = after(draw, start)
        if draw(st.booleans()):
            pauses.append((started, None))
            break
        ended = after(draw, started)
        pauses.append((started, ended))
        start = ended
    spec["pauses"] = pauses
    return spec


periods = st.one_of(
    st.sampled_from(
        [Period.month(2026, 2), Period.month(2026, 3), Period.quarter(2026, 1), Period.year(2026)]
    ),
    st.tuples(st.integers(0, 110), st.integers(0, 40)).map(
        lambda t: Period(
            date(2026, 1, 1) + timedelta(days=t[0]), date(2026, 1, 1) + timedelta(days=t[0] + t[1])
        )
    ),
)


# ---- brute force: plain Python over the specs ---------------------------------------------------


def brute_counts(specs, period, now) -> list[dict[str, int]]:
    """One dict of column → 0/1 per spec, from the DESIGN.md wording: in progress means open at
    t1, and its split and "awaiting supplement" are read at as_of = min(t1, now)."""
    t0, t1 = period.t0, period.t1
    as_of = min(t1, now)

    def within(value):
        return value is not None and t0 <= value < t1

    def open_at(s, moment):
        r = s.get("received_at")
        c = s.get("completed_at")
        w = s.get("withdrawn_at")
        return (
            r is not None
            and r < moment
            and (c is None or c >= moment)
            and (w is None or w >= moment)
        )

    result = []
    for s in specs:
        received = s.get("received_at") is not None
        new = received and within(s["received_at"])
        carried = open_at(s, t0)
        resolved = received and within(s.get("completed_at"))
        in_progress = open_at(s, t1)
        paused = any(
            started < as_of and (ended is None or ended > as_of)
            for started, ended in s.get("pauses", ())
        )
        overdue = in_progress and s["due_at"] < as_of and not paused
        rating = s.get("rating")
        rated = rating is not None and within(rating[1])
        row = {
            "carried_over": carried,
            "received_online": new and s["channel"] == "online",
            "received_direct_postal": new and s["channel"] != "online",
            "received_new": new,
            "received_total": carried or new,
            "resolved_early": resolved and s["timeliness"] == "early",
            "resolved_on_time": resolved and s["timeliness"] == "on_time",
            "resolved_late": resolved and s["timeliness"] == "late",
            "resolved_total": resolved,
            "withdrawn": received and within(s.get("withdrawn_at")),
            "in_progress_within": in_progress and not overdue,
            "in_progress_overdue": overdue,
            "in_progress_total": in_progress,
            "awaiting_supplement": in_progress and paused,
            "submitted_online": within(s.get("submitted_at")) and s["channel"] == "online",
            "refused": within(s.get("refused_at")),
            "returned": within(s.get("returned_at")),
            "ratings": rated,
            "ratings_satisfied": rated and rating[0] in ("very_satisfied", "satisfied"),
        }
        result.append({column: int(bool(value)) for column, value in row.items()})
    return result


class ReportProperties(TestCase):
    @classmethod
    def setUpTestData(cls):
        department = AgencyFactory(code="P.01", name="Sở A", kind=AgencyKind.DEPARTMENT)
        other = AgencyFactory(code="P.02", name="Sở B", kind=AgencyKind.DEPARTMENT)
        field_one = FieldFactory(code="F1", name="Lĩnh vực 1")
        field_two = FieldFactory(code="F2", name="Lĩnh vực 2")
        cls.procedures = [
            ProcedureFactory(code="1.000001", agency=department, field=field_one),
            ProcedureFactory(code="1.000002", agency=department, field=field_two),
            ProcedureFactory(code="1.000003", agency=other, field=field_one),
        ]
        cls.user = get_user_model().objects.create_user(
            username="admin@example.vn", password="x", is_superuser=True, is_staff=True
        )

    def group_key(self, spec, grouping):
        procedure = self.procedures[spec["procedure"]]
        return {
            "agency": procedure.agency_id,
            "field": procedure.field_id,
            "procedure": procedure.code,
            "channel": spec["channel"],
        }[grouping]

    def create(self, specs):
        for spec in specs:
            fields = {k: v for k, v in spec.items() if k not in ("procedure", "pauses", "rating")}
            make_dossier(
                self.procedures[spec["procedure"]],
                pauses=spec.get("pauses", ()),
                rating=spec.get("rating"),
                **fields,
            )

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        specs=st.lists(dossier_spec(), max_size=25),
        period=periods,
        grouping=st.sampled_from(GROUPINGS),
        now=moment,
    )
    def test_cells_equal_brute_force_and_identity_holds(self, specs, period, grouping, now):
        self.create(specs)
        report = report_build(user=self.user, period=period, grouping=grouping, now=now)
        assert report.as_of == min(period.t1, now)
        per_spec = brute_counts(specs, period, now)

        expected: dict = {}
        for spec, counts in zip(specs, per_spec, strict=True):
            key = self.group_key(spec, grouping)
            group = expected.setdefault(key, dict.fromkeys(COLUMNS, 0))
            for column in COLUMNS:
                group[column] += counts[column]
        expected = {k: v for k, v in expected.items() if any(v.values())}
        assert {row.key: row.counts for row in report.rows} == expected
        total = {column: sum(c[column] for c in per_spec) for column in COLUMNS}
        assert report.total.counts == total

        for row in [*report.rows, report.total]:
            c = row.counts
            assert c["carried_over"] + c["received_new"] == (
                c["resolved_total"] + c["withdrawn"] + c["in_progress_total"]
            )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(specs=st.lists(dossier_spec(), max_size=15), period=periods, now=moment)
    def test_drilldown_lists_match_every_cell(self, specs, period, now):
        self.create(specs)
        for grouping in GROUPINGS:
            report = report_build(user=self.user, period=period, grouping=grouping, now=now)
            for column in COLUMNS:
                assert (
                    report_drilldown(user=self.user, period=period, column=column, now=now).count()
                    == report.total.counts[column]
                )
                for row in report.rows:
                    listed = report_drilldown(
                        user=self.user,
                        period=period,
                        column=column,
                        grouping=grouping,
                        key=row.key,
                        now=now,
                    )
                    assert listed.count() == row.counts[column], (grouping, column, row.key)
