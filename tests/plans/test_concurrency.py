"""Two people acting on one plan at the same moment, with real threads.

Each thread has its own application context, so its own database session and connection, and
loads the plan fresh. A barrier holds both threads until each has read the plan and parsed its
form: they then reach the conditional ``UPDATE`` together, with the same version (or status)
seen. Runs on SQLite (a second writer waits for the first, busy_timeout) and on PostgreSQL
(the second ``UPDATE`` waits for the first one's row lock, then re-reads the row).
"""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from m4eg.accounts.models import User
from m4eg.extensions import db
from m4eg.plans import drafting, services
from m4eg.plans.blockform import field_name
from m4eg.plans.models import PlanBlock, PlanEvent, PlanTemplate
from tests.conftest import RACE_TIMEOUT, log_in, race, run_together
from tests.plans.conftest import block_form


@pytest.fixture
def draft(make_plan, member_id, make_user):
    """Khirdalan's draft and two of its focal points (two browsers, two people)."""
    khirdalan = member_id("khirdalan")
    first = make_user(role="focal_point", municipality_id=khirdalan, name="Aysel Əliyeva")
    second = make_user(role="focal_point", municipality_id=khirdalan, name="Rəşad Quliyev")
    return {"id": make_plan("khirdalan", by=first), "users": (first, second),
            "municipality_id": khirdalan}


def _template(app):
    with app.app_context():
        return db.session.scalar(select(PlanTemplate))


def _summary_form(text, version):
    return MultiDict({"version": str(version), field_name("summary"): text,
                      field_name("population"): "12500",
                      field_name("main_sectors"): "Kənd təsərrüfatı"})


def _hold_after_parsing(monkeypatch, barrier):
    """Make every thread wait at ``barrier`` once it has parsed its form (once: a refused
    save parses its form again for the conflict page), so that all reach the conditional
    ``UPDATE`` together, on the same version seen."""
    parse, waited = drafting.parse_block, set()

    def parse_then_wait(*args, **kwargs):
        parsed = parse(*args, **kwargs)
        if threading.current_thread() not in waited:
            waited.add(threading.current_thread())
            barrier.wait()
        return parsed

    monkeypatch.setattr(drafting, "parse_block", parse_then_wait)


def _race(app, jobs, *, monkeypatch=None):
    """:func:`tests.conftest.race` for plan jobs (functions of the barrier): a PlanError is a
    refusal. With ``monkeypatch`` the threads meet after parsing their forms; without it each
    job waits at the barrier where it chooses."""
    barrier = threading.Barrier(len(jobs), timeout=RACE_TIMEOUT)
    if monkeypatch is not None:
        _hold_after_parsing(monkeypatch, barrier)
    return race(app, jobs, refused=services.PlanError, barrier=barrier)


def _saver(plan_id, user_id, block_key, form_of_version, *, wait_before=False):
    """A job that loads the plan fresh, reads the version it sees and saves ``block_key``."""

    def job(barrier):
        plan = services.get_plan(plan_id)
        seen = plan.block_version(block_key)
        user = db.session.get(User, user_id)
        if wait_before:
            barrier.wait()
        services.save_block(plan, block_key, form_of_version(seen), user, version=seen,
                            lang="az")
        return seen

    return job


def _block(app, plan_id, key):
    with app.app_context():
        row = db.session.scalar(select(PlanBlock).where(PlanBlock.plan_id == plan_id,
                                                        PlanBlock.block_key == key))
        return {"content": row.content, "version": row.version,
                "by": row.updated_by_id}


def test_two_saves_of_one_block_on_one_version_one_wins_the_other_is_told(app, draft,
                                                                          monkeypatch):
    (first, second), plan_id = draft["users"], draft["id"]
    texts = {first.id: "Aysel-in mətni: su təchizatı.", second.id: "Rəşad-ın mətni: yollar."}
    before = _block(app, plan_id, "diagnostic")["version"]
    jobs = [_saver(plan_id, user.id, "diagnostic",
                   lambda seen, text=texts[user.id]: _summary_form(text, seen))
            for user in (first, second)]

    results = _race(app, jobs, monkeypatch=monkeypatch)

    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"], results
    assert all(r[1] == before for r in results if r[0] == "ok")  # both had seen one version
    refused = next(r[1] for r in results if r[0] == "refused")
    assert isinstance(refused, services.PlanConflict)
    winner = (first, second)[[r[0] for r in results].index("ok")]
    stored = _block(app, plan_id, "diagnostic")
    # The winner's whole text, nothing of the loser's: never a mix, never a silent loss.
    assert stored["content"]["summary"] == texts[winner.id]
    assert stored["by"] == winner.id
    assert stored["version"] == before + 1
    with app.app_context():
        saves = db.session.scalar(select(func.count(PlanEvent.id)).where(
            PlanEvent.plan_id == plan_id, PlanEvent.action == "saved"))
    assert saves == 1


def test_the_refused_person_saves_again_on_the_new_version(app, draft, monkeypatch):
    (first, second), plan_id = draft["users"], draft["id"]
    jobs = [_saver(plan_id, user.id, "diagnostic",
                   lambda seen, name=user.name: _summary_form(f"{name}: ilk mətn", seen))
            for user in (first, second)]
    results = _race(app, jobs, monkeypatch=monkeypatch)
    loser = (first, second)[[r[0] for r in results].index("refused")]
    monkeypatch.undo()

    with app.app_context():
        plan = services.get_plan(plan_id)
        merged = services.conflict_versions(plan, "diagnostic",
                                            _summary_form("birləşdirilmiş", 0), "az")
        services.save_block(plan, "diagnostic", _summary_form("birləşdirilmiş mətn",
                                                              merged["version"]),
                            db.session.get(User, loser.id), version=merged["version"],
                            lang="az")
        db.session.commit()
    stored = _block(app, plan_id, "diagnostic")
    assert stored["content"]["summary"] == "birləşdirilmiş mətn"
    assert stored["by"] == loser.id


def test_saves_of_two_blocks_from_one_state_both_stay(app, draft, monkeypatch):
    (first, second), plan_id = draft["users"], draft["id"]
    template = _template(app)

    def drivers_form(seen):
        return MultiDict(block_form(template, "drivers", version=seen,
                                    text="Rəşad: turizm artır."))

    jobs = [_saver(plan_id, first.id, "diagnostic",
                   lambda seen: _summary_form("Aysel: əhali azalır.", seen)),
            _saver(plan_id, second.id, "drivers", drivers_form)]

    results = _race(app, jobs, monkeypatch=monkeypatch)

    assert [r[0] for r in results] == ["ok", "ok"], results
    assert _block(app, plan_id, "diagnostic")["content"]["summary"] == "Aysel: əhali azalır."
    assert _block(app, plan_id, "drivers")["content"]["opportunities"] == "Rəşad: turizm artır."
    with app.app_context():
        content = services.get_plan(plan_id).content
    assert set(content) == {"diagnostic", "drivers"}


def test_many_saves_of_one_block_exactly_one_wins(app, draft, monkeypatch):
    (first, _second), plan_id = draft["users"], draft["id"]
    jobs = [_saver(plan_id, first.id, "diagnostic",
                   lambda seen, n=n: _summary_form(f"variant {n}", seen)) for n in range(4)]

    results = _race(app, jobs, monkeypatch=monkeypatch)

    assert sorted(r[0] for r in results) == ["ok", "refused", "refused", "refused"], results
    winner = [r[0] for r in results].index("ok")
    assert _block(app, plan_id, "diagnostic")["content"]["summary"] == f"variant {winner}"


def _fill_and_submit(app, plan_id, user_id):
    template = _template(app)
    with app.app_context():
        plan, user = services.get_plan(plan_id), db.session.get(User, user_id)
        for block in template.blocks:
            services.save_block(plan, block["key"],
                                MultiDict(block_form(template, block["key"],
                                                     version=plan.block_version(block["key"]))),
                                user, version=plan.block_version(block["key"]), lang="az")
        services.submit(plan, user)
        db.session.commit()


@pytest.fixture
def in_review(app, draft, make_user):
    """The draft filled, submitted and taken into review; two coordinators."""
    coordinators = (make_user(role="coordinator", name="Koordinator Bir"),
                    make_user(role="coordinator", name="Koordinator İki"))
    _fill_and_submit(app, draft["id"], draft["users"][0].id)
    with app.app_context():
        services.start_review(services.get_plan(draft["id"]),
                              db.session.get(User, coordinators[0].id))
        db.session.commit()
    return {**draft, "coordinators": coordinators}


def _reviewer(plan_id, user_id, act):
    def job(barrier):
        plan = services.get_plan(plan_id)
        assert plan.status == "in_review"  # both saw the same status
        user = db.session.get(User, user_id)
        barrier.wait()
        act(plan, user)
        return plan_id

    return job


def _status_events(app, plan_id):
    with app.app_context():
        return list(db.session.execute(
            select(PlanEvent.action, PlanEvent.actor_id, PlanEvent.to_status)
            .where(PlanEvent.plan_id == plan_id, PlanEvent.from_status == "in_review")).all())


def test_two_coordinators_approve_and_request_changes_at_once_only_one_moves(app, in_review):
    one, two = in_review["coordinators"]
    plan_id = in_review["id"]
    jobs = [_reviewer(plan_id, one.id, lambda p, u: services.approve(p, u)),
            _reviewer(plan_id, two.id,
                      lambda p, u: services.request_changes(p, u, "Büdcəni dəqiqləşdirin."))]

    results = _race(app, jobs)

    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    refused = next(r[1] for r in results if r[0] == "refused")
    assert not isinstance(refused, services.PlanConflict)
    winner = [r[0] for r in results].index("ok")
    expected = ("approved", one.id) if winner == 0 else ("changes_requested", two.id)
    moves = _status_events(app, plan_id)
    assert [(action, actor) for action, actor, _ in moves] == [expected]
    with app.app_context():
        plan = services.get_plan(plan_id)
        assert plan.status == expected[0]
        # approve() stamps approved_at after its move: never on a plan sent back instead.
        assert (plan.approved_at is not None) == (expected[0] == "approved")


def test_two_coordinators_approve_at_once_one_approval(app, in_review):
    one, two = in_review["coordinators"]
    plan_id = in_review["id"]
    jobs = [_reviewer(plan_id, user.id, lambda p, u: services.approve(p, u))
            for user in (one, two)]

    results = _race(app, jobs)

    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert [action for action, _, _ in _status_events(app, plan_id)] == ["approved"]


def test_save_racing_a_submission_is_in_the_revision_or_refused(app, draft, monkeypatch):
    (first, second), plan_id = draft["users"], draft["id"]
    template = _template(app)
    with app.app_context():
        plan, user = services.get_plan(plan_id), db.session.get(User, first.id)
        for key in [b["key"] for b in template.blocks]:
            services.save_block(plan, key, MultiDict(block_form(
                template, key, version=plan.block_version(key))), user,
                version=plan.block_version(key), lang="az")
        db.session.commit()

    def submitter(barrier):
        plan = services.get_plan(plan_id)
        user = db.session.get(User, first.id)
        barrier.wait()
        return services.submit(plan, user).number

    saver = _saver(plan_id, second.id, "diagnostic",
                   lambda seen: _summary_form("Son dəqiqə düzəlişi", seen), wait_before=True)

    results = _race(app, [submitter, saver])

    assert results[0][0] == "ok", results
    with app.app_context():
        plan = services.get_plan(plan_id)
        revision = services.revisions(plan)[-1]
        in_revision = revision.content["diagnostic"]["summary"]
        in_draft = plan.content["diagnostic"]["summary"]
    if results[1][0] == "ok":
        assert in_revision == in_draft == "Son dəqiqə düzəlişi"
    else:
        assert in_revision == in_draft == "Sınaq mətni"


def test_stale_save_over_http_is_409_with_both_texts(app, client, draft):
    (first, second), plan_id = draft["users"], draft["id"]
    with app.app_context():
        plan = services.get_plan(plan_id)
        seen = plan.block_version("diagnostic")
        services.save_block(plan, "diagnostic", _summary_form("Rəşad-ın yadda saxladığı mətn",
                                                              seen),
                            db.session.get(User, second.id), version=seen, lang="az")
        db.session.commit()
    assert log_in(client, first.email).status_code == 302

    response = client.post(f"/az/plans/{plan_id}/blocks/diagnostic",
                           data=_summary_form("Aysel-in yazdığı mətn", seen))

    assert response.status_code == 409
    page = unescape(response.get_data(as_text=True))
    conflict = re.search(r'<section class="conflict".*?</section>', page, re.S)
    assert conflict, "no conflict section"
    assert "Rəşad-ın yadda saxladığı mətn" in conflict.group(0)
    assert "Aysel-in yazdığı mətn" in conflict.group(0)
    assert "Rəşad Quliyev" in conflict.group(0)
    # The form keeps the user's own text and now carries the other save's version.
    assert re.search('<textarea id="' + field_name("summary")
                     + r'"[^>]*>Aysel-in yazdığı mətn</textarea>', page)
    assert f'name="version" value="{seen + 1}"' in page
    assert _block(app, plan_id, "diagnostic")["content"]["summary"] == \
        "Rəşad-ın yadda saxladığı mətn"

    again = client.post(f"/az/plans/{plan_id}/blocks/diagnostic",
                        data=_summary_form("Birləşdirilmiş mətn", seen + 1))
    assert again.status_code == 302
    assert _block(app, plan_id, "diagnostic")["content"]["summary"] == "Birləşdirilmiş mətn"


def _post_together(app, draft, monkeypatch, text, **headers):
    """Both focal points, each in a browser of their own, post the diagnostic section on the
    version they opened, at the same moment. Returns the two responses and that version."""
    plan_id, clients = draft["id"], []
    for user in draft["users"]:
        client = app.test_client()
        assert log_in(client, user.email).status_code == 302
        clients.append(client)
    seen = _block(app, plan_id, "diagnostic")["version"]
    barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
    _hold_after_parsing(monkeypatch, barrier)
    responses = run_together(lambda index: clients[index].post(
        f"/az/plans/{plan_id}/blocks/diagnostic", headers=headers,
        data=_summary_form(f"{text} {index}", seen)), 2, barrier)
    return responses, seen


def test_two_concurrent_http_saves_one_409(app, draft, monkeypatch):
    """The same race through the web layer: two clients post one version at once."""
    responses, _seen = _post_together(app, draft, monkeypatch, "mətn")

    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [302, 409], statuses
    assert _block(app, draft["id"], "diagnostic")["content"]["summary"] == \
        f"mətn {statuses.index(302)}"


def test_one_person_saving_two_blocks_at_once_has_both_in_the_history(app, draft,
                                                                      monkeypatch):
    """Saves within a sitting extend one history entry: two at once must not lose a block
    from it (the plan row's UPDATE, first in each save, orders them)."""
    (first, _second), plan_id = draft["users"], draft["id"]
    template = _template(app)
    jobs = [_saver(plan_id, first.id, "diagnostic",
                   lambda seen: _summary_form("Aysel: əhali azalır.", seen)),
            _saver(plan_id, first.id, "drivers",
                   lambda seen: MultiDict(block_form(template, "drivers", version=seen)))]

    results = _race(app, jobs, monkeypatch=monkeypatch)

    assert [r[0] for r in results] == ["ok", "ok"], results
    with app.app_context():
        notes = list(db.session.scalars(select(PlanEvent.note).where(
            PlanEvent.plan_id == plan_id, PlanEvent.action == "saved")))
    assert sorted(",".join(notes).split(",")) == ["diagnostic", "drivers"], notes


def test_two_autosaves_at_once_one_is_told_in_json(app, draft, monkeypatch):
    responses, seen = _post_together(app, draft, monkeypatch, "avtomatik",
                                     **{"X-Autosave": "1"})
    plan_id = draft["id"]
    answers = [(response.status_code, response.get_json()) for response in responses]

    assert sorted(status for status, _ in answers) == [200, 409], answers
    won = next(i for i, (status, _) in enumerate(answers) if status == 200)
    assert answers[won][1] == {**answers[won][1], "ok": True, "version": seen + 1}
    assert answers[1 - won][1]["conflict"] is True and answers[1 - won][1]["ok"] is False
    assert _block(app, plan_id, "diagnostic")["content"]["summary"] == f"avtomatik {won}"
