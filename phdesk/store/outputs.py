"""The project's output settings: the disclosure rule (tables ``disclosure_rule`` and
``disclosure_rule_log`` of ``schema_v2.V2_OUTPUTS``)."""

from __future__ import annotations

from phdesk.core.disclosure import DisclosureRule
from phdesk.store.project import Project, utc_now


def disclosure_rule(project: Project) -> DisclosureRule:
    """The saved rule, or the default (counts 1-7 hidden, others rounded to 5)."""
    if not project.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'disclosure_rule'"):
        return DisclosureRule()   # a read-only file from before the table existed
    df = project.query("""SELECT threshold, rounding_base, enabled, reason, changed_at
                          FROM disclosure_rule WHERE id = 1""")
    if df.empty:
        return DisclosureRule()
    r = df.iloc[0]
    return DisclosureRule(threshold=int(r["threshold"]), rounding_base=int(r["rounding_base"]),
                          enabled=bool(r["enabled"]), reason=str(r["reason"] or ""),
                          changed_at=str(r["changed_at"]))


def save_disclosure_rule(project: Project, rule: DisclosureRule) -> DisclosureRule:
    """Save the rule (validated by ``DisclosureRule``) and log the change; returns it as saved."""
    now = utc_now()
    row = {"threshold": rule.threshold, "rounding_base": rule.rounding_base,
           "enabled": int(rule.enabled), "reason": (rule.reason or "").strip(),
           "changed_at": now}
    with project.transaction() as db:
        db.execute("""INSERT INTO disclosure_rule (id, threshold, rounding_base, enabled, reason,
                                                   changed_at)
                      VALUES (1, :threshold, :rounding_base, :enabled, :reason, :changed_at)
                      ON CONFLICT(id) DO UPDATE SET threshold = excluded.threshold,
                        rounding_base = excluded.rounding_base, enabled = excluded.enabled,
                        reason = excluded.reason, changed_at = excluded.changed_at""", row)
        db["disclosure_rule_log"].insert(row)
    return disclosure_rule(project)
