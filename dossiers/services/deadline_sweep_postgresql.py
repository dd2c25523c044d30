"""The deadline sweep's set-based path on PostgreSQL (see dossiers.services.deadline_sweep, whose
rules and helpers it shares): per target and batch, one statement claims the overdue and due-soon
rows of every agency, flags them and writes their events; the notifications follow from the same
rows."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from ..choices import DossierStatus
from .deadline_sweep import _ACTIONS, CLOCK_RUNNING, DUE_SOON, OVERDUE, _notify, _Row

# The local ISO 8601 text of a moment, as `timezone.localtime(value).isoformat()` writes it:
# microseconds only when non-zero, the UTC offset as ±HH:MM (±HH:MM:SS for an offset in seconds).
_ISO_SQL = """
    to_char({v} AT TIME ZONE %(tz)s, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN to_char({v} AT TIME ZONE %(tz)s, 'US') <> '000000'
            THEN to_char({v} AT TIME ZONE %(tz)s, '.US') ELSE '' END
    || (SELECT CASE WHEN o < 0 THEN '-' ELSE '+' END
               || lpad((abs(o) / 3600)::text, 2, '0') || ':'
               || lpad((mod(abs(o), 3600) / 60)::text, 2, '0')
               || CASE WHEN mod(abs(o), 60) <> 0 THEN ':' || lpad(mod(abs(o), 60)::text, 2, '0')
                       ELSE '' END
        FROM (SELECT extract(epoch FROM ({v} AT TIME ZONE %(tz)s)
                                        - ({v} AT TIME ZONE 'UTC'))::int AS o) AS off)
"""

# Per target: the claim (FROM … WHERE, the window and the flag condition added), the columns the
# flagging UPDATE returns, the extra keys of the event data, and who else to tell (the dossier's
# assignee for a step, the current step's handler for a dossier) for the notifications.
_PG_TARGETS = {
    "dossier": {
        "table": "dossiers_dossier",
        "claim": "FROM dossiers_dossier AS x JOIN t ON t.agency_id = x.agency_id"
        " WHERE x.status IN %(running)s",
        "returning": "x.id, x.id AS dossier_id, x.status, x.agency_id, x.due_at,"
        " x.assignee_id AS person_id, x.current_step_id, NULL::bigint AS step_id,"
        " NULL::integer AS position, ''::text AS name",
        "data": "jsonb_build_object('due_at', {iso})",
        "other": "LEFT JOIN dossiers_dossierstep AS o ON o.id = f.current_step_id",
        "other_person": "o.handler_id",
        "agency": "f.agency_id",
    },
    "step": {
        "table": "dossiers_dossierstep",
        "claim": "FROM dossiers_dossierstep AS x JOIN dossiers_dossier AS p ON p.id = x.dossier_id"
        " JOIN t ON t.agency_id = p.agency_id"
        " WHERE p.status = %(processing)s AND x.finished_at IS NULL"
        " AND x.started_at IS NOT NULL",
        # Claimed only while the dossier is in processing (the claim's condition).
        "returning": "x.id, x.dossier_id, %(processing)s::text AS status, NULL::bigint,"
        " x.due_at, x.handler_id AS person_id, NULL::bigint AS current_step_id,"
        " x.id AS step_id, x.position, x.name",
        "data": "jsonb_build_object('due_at', {iso}, 'step', f.position, 'name', f.name)",
        "other": "LEFT JOIN dossiers_dossier AS o ON o.id = f.dossier_id",
        "other_person": "o.assignee_id",
        "agency": "o.agency_id",
    },
}


def flag_batch_postgresql(
    target, now, thresholds, batch_size, recipients
) -> tuple[dict[str, int], int]:
    """Claim, flag and record up to `batch_size` overdue and due-soon rows of one target for
    every agency, in one statement, and queue their notifications (in the caller's transaction):

        WITH t(agency_id, threshold) AS (VALUES …),
        claimed AS (SELECT x.ctid FROM <table> x JOIN t …
                    WHERE (<overdue> AND overdue flag IS NULL)
                       OR (<due soon> AND due-soon flag IS NULL)
                    ORDER BY x.id LIMIT n FOR UPDATE OF x SKIP LOCKED),
        flagged AS (UPDATE <table> SET <the flag of its kind> = now
                    WHERE ctid = ANY(ARRAY(SELECT ctid FROM claimed)) RETURNING …),
        events AS (INSERT INTO dossiers_dossierevent … SELECT … FROM flagged ORDER BY id
                   RETURNING id, dossier_id)
        SELECT <counts>, <flagged row>, <its event id>, <the people to tell> …

    The kind of a row is `due_at < now` (overdue) or not (due soon): the windows do not overlap,
    and a row past its due time is flagged overdue only. Rows another sweep holds are skipped,
    and rows it already flagged no longer match once it commits; a claimed row stays locked, so
    its ctid holds until the end of the statement. The events are numbered in the order of the
    flagged rows, so the n-th event id belongs to the n-th row. Returns the rows flagged per
    kind and the notifications queued."""
    spec = _PG_TARGETS[target]
    values = ", ".join(
        f"(%(agency{i})s::bigint, %(threshold{i})s::timestamptz)" for i in range(len(thresholds))
    )
    iso = _ISO_SQL.format(v="f.due_at")
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    # Identifiers and clauses are constants of this module; values are parameters.
    sql = f"""
        WITH t(agency_id, threshold) AS (VALUES {values}),
        claimed AS (
            SELECT x.ctid {spec["claim"]}
              -- the latest threshold bounds the range scan; each agency's own applies below
              AND x.due_at < %(latest)s
              AND ((x.due_at < %(now)s AND x.overdue_flagged_at IS NULL)
                OR (x.due_at >= %(now)s AND x.due_at < t.threshold
                    AND x.due_soon_flagged_at IS NULL))
            ORDER BY x.id LIMIT %(limit)s FOR UPDATE OF x SKIP LOCKED
        ),
        flagged AS (
            UPDATE {spec["table"]} AS x SET
                overdue_flagged_at = CASE WHEN x.due_at < %(now)s THEN %(now)s
                                          ELSE x.overdue_flagged_at END,
                due_soon_flagged_at = CASE WHEN x.due_at < %(now)s THEN x.due_soon_flagged_at
                                           ELSE %(now)s END
            WHERE x.ctid = ANY(ARRAY(SELECT ctid FROM claimed))
            RETURNING {spec["returning"]}, x.due_at < %(now)s AS late
        ),
        events AS (
            INSERT INTO dossiers_dossierevent
                (dossier_id, action, from_status, to_status, actor_id, at, note, data)
            SELECT f.dossier_id,
                   CASE WHEN f.late THEN %(action_overdue)s ELSE %(action_due_soon)s END,
                   f.status, f.status, NULL, %(now)s, '', {spec["data"].format(iso=iso)}
            FROM flagged AS f ORDER BY f.id
            RETURNING id, dossier_id
        ),
        numbered_events AS (
            SELECT id, dossier_id, row_number() OVER (ORDER BY id) AS n FROM events
        ),
        numbered AS (SELECT f.*, row_number() OVER (ORDER BY f.id) AS n FROM flagged AS f),
        tell AS (
            SELECT f.n, f.late, f.dossier_id, f.status, {spec["agency"]} AS agency_id, f.due_at,
                   f.person_id, f.current_step_id, f.step_id, f.position, f.name, e.id AS event_id,
                   e.dossier_id AS event_dossier_id, {spec["other_person"]} AS other_id,
                   pu.agency_id AS person_division, ou.agency_id AS other_division
            FROM numbered AS f JOIN numbered_events AS e ON e.n = f.n
            {spec["other"]}
            LEFT JOIN {users} AS pu ON pu.id = f.person_id
            LEFT JOIN {users} AS ou ON ou.id = {spec["other_person"]}
            WHERE CASE WHEN f.late THEN %(everyone_overdue)s ELSE %(everyone_due_soon)s END
               OR f.person_id IS NOT NULL OR {spec["other_person"]} IS NOT NULL
        )
        SELECT c.overdue, c.due_soon, tell.late, tell.dossier_id, tell.status, tell.agency_id,
               tell.due_at, tell.person_id, tell.current_step_id, tell.step_id, tell.position,
               tell.name, tell.event_id, tell.event_dossier_id, tell.other_id,
               tell.person_division, tell.other_division
        FROM (SELECT count(*) FILTER (WHERE late) AS overdue,
                     count(*) FILTER (WHERE NOT late) AS due_soon FROM flagged) AS c
        LEFT JOIN tell ON true
        ORDER BY tell.n
    """  # noqa: S608
    params = {
        "now": now,
        "limit": batch_size,
        "action_overdue": str(_ACTIONS[(target, OVERDUE)]),
        "action_due_soon": str(_ACTIONS[(target, DUE_SOON)]),
        "running": tuple(str(status) for status in CLOCK_RUNNING),
        "processing": str(DossierStatus.PROCESSING),
        "tz": timezone.get_current_timezone_name(),
        "latest": max(threshold for _agency, threshold in thresholds),
        # Every flagged row is read back for its notifications, unless only assignees and
        # handlers can be told (no division head or leader anywhere): then only theirs.
        "everyone_overdue": not recipients.only_the_assignee(OVERDUE),
        "everyone_due_soon": not recipients.only_the_assignee(DUE_SOON),
    }
    for i, (agency_id, threshold) in enumerate(thresholds):
        params[f"agency{i}"], params[f"threshold{i}"] = agency_id, threshold
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    counts = {OVERDUE: fetched[0][0], DUE_SOON: fetched[0][1]}
    rows: dict[str, list[_Row]] = {OVERDUE: [], DUE_SOON: []}
    event_ids: dict[str, list[int]] = {OVERDUE: [], DUE_SOON: []}
    for (
        _overdue,
        _due_soon,
        late,
        dossier_id,
        status,
        agency_id,
        due_at,
        person_id,
        current_step_id,
        step_id,
        position,
        name,
        event_id,
        event_dossier_id,
        other_id,
        person_division,
        other_division,
    ) in fetched:
        if dossier_id is None:  # the one row of a batch with nobody to tell
            continue
        if event_dossier_id != dossier_id:  # pragma: no cover - ids are drawn in order
            raise RuntimeError("deadline sweep: events out of step with flagged rows")
        kind = OVERDUE if late else DUE_SOON
        rows[kind].append(
            _Row(
                dossier_id=dossier_id,
                status=status,
                agency_id=agency_id,
                due_at=due_at,
                person_id=person_id,
                current_step_id=current_step_id,
                step_id=step_id,
                step_position=position,
                step_name=name or "",
                assignee_id=person_id or other_id,
                division_id=person_division or other_division,
            )
        )
        event_ids[kind].append(event_id)
    sent = sum(
        _notify(target, kind, rows[kind], event_ids[kind], recipients, now, resolved=True)
        for kind in (OVERDUE, DUE_SOON)
        if rows[kind]
    )
    return counts, sent
