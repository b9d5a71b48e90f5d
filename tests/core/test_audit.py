import pytest

from m4eg.core import audit
from m4eg.extensions import db


def test_audit_events_cannot_be_changed_or_deleted(app_ctx):
    event = audit.record("login", after={"email": "a@example.org"})
    db.session.commit()
    event.action = "tampered"
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(audit.AuditEvent, event.id))
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(audit.AuditEvent, event.id).action == "login"
