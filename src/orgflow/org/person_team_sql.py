"""The SQL that gives each (person alias, instant) event its person and team, shared by the org model
(`orgflow.org.structure.attribute`, commits and people) and work-item attribution (`orgflow.org.attribution`,
the ``person`` rule). A module of its own so that attributing items loads no org model.

`PERSON_TEAM_SQL` reads ``{events}`` (a table or subquery with ``idx``, ``alias`` and ``event_at``) and gives
``idx, alias, person_id, team_id``: the alias resolves to a person through a person alias, a person id or
an email, case-insensitively (an author written ``Name <email>`` also tries the email); the person's team
is their team membership on the event's UTC day with the largest allocation, ties to the latest
``valid_from``, then the smaller group id.
"""

PERSON_TEAM_SQL = """
WITH names AS (
  SELECT lower(alias) AS key, person_id, 1 AS priority FROM person_aliases
  UNION ALL SELECT lower(source_id), source_id, 2 FROM people
  UNION ALL SELECT lower(email), source_id, 3 FROM people WHERE email IS NOT NULL
),
keyed AS (
  SELECT idx, CAST(event_at AS DATE) AS day, lower(alias) AS key,
         nullif(lower(regexp_extract(alias, '<([^>]+)>', 1)), '') AS email FROM {events}
),
resolved AS (
  SELECT idx, day, person_id FROM (
    SELECT k.idx, k.day, n.person_id,
           row_number() OVER (PARTITION BY k.idx ORDER BY n.priority, n.key = k.key DESC, n.person_id) AS rank
    FROM keyed k JOIN names n ON n.key = k.key OR n.key = k.email
  ) WHERE rank = 1
),
ranked AS (
  SELECT r.idx, r.person_id, m.group_id,
         row_number() OVER (PARTITION BY r.idx
                            ORDER BY m.allocation DESC, m.valid_from DESC NULLS LAST, m.group_id) AS rank
  FROM resolved r
  JOIN memberships m ON m.person_id = r.person_id
   AND (m.valid_from IS NULL OR m.valid_from <= r.day) AND (m.valid_to IS NULL OR r.day < m.valid_to)
  JOIN groups g ON g.source_id = m.group_id AND g.kind = 'team'
   AND (g.valid_from IS NULL OR g.valid_from <= r.day) AND (g.valid_to IS NULL OR r.day < g.valid_to)
)
SELECT k.idx, k.key AS alias, r.person_id, t.group_id AS team_id
FROM keyed k LEFT JOIN resolved r USING (idx) LEFT JOIN (SELECT * FROM ranked WHERE rank = 1) t USING (idx)
"""
