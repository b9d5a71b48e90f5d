import pytest
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Plan
from m4eg.accounts.services import get_user
from tests.plans.monitoring_support import approve_plan, make_round, report_form

def test_smoke(app, make_plan, make_user, member_id):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    coord = make_user(role="coordinator")
    pid = make_plan("khirdalan", by=focal)
    with app.app_context():
        plan = db.session.get(Plan, pid)
        f, c = get_user(focal.id), get_user(coord.id)
        approve_plan(plan, f, c)
        r = make_round()
        rep = services.start_report(plan, r, f)
        services.save_report(rep, report_form(rep.version), f, version=rep.version, lang="en")
        print(rep.content)
        print(services.report_findings(rep), services.report_missing(rep))
        services.submit_report(rep, f)
        services.start_report_review(rep, c)
        services.accept_report(rep, c)
        print(services.monitoring_figures())
        print(services.plan_progress(plan, "en"))
