"""Loading the demonstrators' portfolios reported in seed 004."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from ..extensions import db
from ..municipalities import services as municipalities
from . import services
from .models import (
    Activity,
    ActivityKind,
    DatePrecision,
    OptionStatus,
    Portfolio,
    SensemakingSession,
    StatusChange,
    Story,
)

DATA = Path(__file__).parent / "data" / "demonstrators.yml"
REPORTED_ON = date(2024, 5, 31)  # the end of the period the report covers


def _pair(value) -> tuple[str, str]:
    value = value or {}
    return value.get("az", ""), value.get("en", "")


def _activity_data(item) -> dict:
    title_az, title_en = _pair(item["title"])
    place_az, place_en = _pair(item.get("place"))
    description_az, description_en = _pair(item.get("description"))
    # The enums refuse a value the platform does not know: the file fails loudly.
    return dict(kind=ActivityKind(item["kind"]), title_az=title_az, title_en=title_en,
                on_date=item["date"],
                date_precision=DatePrecision(item.get("precision", DatePrecision.DAY)),
                place_az=place_az, place_en=place_en, description_az=description_az,
                description_en=description_en, people_reached=item.get("people_reached"))


def load_demonstrators() -> int:
    """Create the six reported portfolios and their records if missing (idempotent)."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    created = 0
    for item in data["portfolios"]:
        if services.get_by_slug(item["slug"]) is not None:
            continue
        member = municipalities.get_by_slug(item["municipality"])
        title_az, title_en = _pair(item["title"])
        intent_az, intent_en = _pair(item.get("intent"))
        theme_az, theme_en = _pair(item.get("theme"))
        portfolio = services.save_portfolio(None, dict(
            slug=item["slug"], municipality_id=member.id, track=item["track"],
            title_az=title_az, title_en=title_en, intent_az=intent_az, intent_en=intent_en,
            theme_az=theme_az, theme_en=theme_en, sdgs=item.get("sdgs", [])))
        options = []
        for raw in item.get("options", []):
            o_az, o_en = _pair(raw["title"])
            d_az, d_en = _pair(raw.get("description"))
            option = services.save_option(portfolio, None, dict(
                title_az=o_az, title_en=o_en, description_az=d_az, description_en=d_en,
                partners=raw.get("partners", "")), actor=None, created_on=REPORTED_ON)
            # The report states where each option stands; record it as the reported status.
            status = OptionStatus(raw["status"])
            if status != OptionStatus.IDEA:  # not_stated too: the report does not say "idea"
                option.status = status
                db.session.add(StatusChange(option_id=option.id, from_status=OptionStatus.IDEA,
                                            to_status=status, on_date=REPORTED_ON,
                                            reason="M4EG Azerbaijan report, May 2023 – May 2024"))
            options.append(option)
        for raw in item.get("activities", []):
            db.session.add(Activity(portfolio_id=portfolio.id, **_activity_data(raw)))
        for raw in item.get("sessions", []):
            q_az, q_en = _pair(raw.get("questions"))
            i_az, i_en = _pair(raw.get("insights"))
            d_az, d_en = _pair(raw.get("decisions"))
            db.session.add(SensemakingSession(
                portfolio_id=portfolio.id, on_date=raw["date"], participants=raw["participants"],
                questions_az=q_az, questions_en=q_en, insights_az=i_az, insights_en=i_en,
                decisions_az=d_az, decisions_en=d_en,
                options=[options[index] for index in raw.get("options", [])]))
        for raw in item.get("stories", []):
            quote_az, quote_en = _pair(raw["quote"])
            role_az, role_en = _pair(raw.get("role"))
            name_az, name_en = _pair(raw["person"])
            db.session.add(Story(portfolio_id=portfolio.id, quote_az=quote_az,
                                 quote_en=quote_en, person_name_az=name_az,
                                 person_name_en=name_en,
                                 person_role_az=role_az, person_role_en=role_en,
                                 is_public=True))
        created += 1
    for raw in data.get("network_events", []):
        exists = db.session.scalar(select(Activity.id).where(
            Activity.portfolio_id.is_(None), Activity.title_en == raw["title"]["en"]))
        if exists is None:
            db.session.add(Activity(portfolio_id=None, **_activity_data(raw)))
    db.session.flush()
    return created


def portfolio_count() -> int:
    return len(db.session.scalars(select(Portfolio.id)).all())
