"""The OpenAPI 3.1 document of /api/v1/ (kept beside the views it describes)."""

from __future__ import annotations

_NAME = {"type": "object", "properties": {"az": {"type": "string"}, "en": {"type": "string"}}}
_PLACE = {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "name": _NAME}}
_FILTERS = [
    {"name": "type", "in": "query", "schema": {"enum": ["city", "district", "village"]},
     "description": "Municipality type; unknown values are ignored."},
    {"name": "region", "in": "query", "schema": {"type": "string"},
     "description": "Economic region code (e.g. SZQ); unknown values are ignored."},
    {"name": "status", "in": "query", "schema": {"enum": ["active", "suspended", "left"]}},
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
     "description": "Search in both names; ignores case and Azerbaijani letters "
                    "(Seki, Sheki and Şəki are the same)."},
    {"name": "demonstrators", "in": "query", "schema": {"enum": ["1"]}},
    {"name": "lang", "in": "query", "schema": {"enum": ["az", "en"]},
     "description": "Alphabet used to sort (default en)."},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 100}},
]
_MUNICIPALITY = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "slug": {"type": "string"}, "name": _NAME,
        "type": {"enum": ["city", "district", "village"]},
        "status": {"enum": ["active", "suspended", "left"]},
        "joined_year": {"type": ["integer", "null"]}, "rayon": _PLACE, "region": _PLACE,
        "deep_demonstrator_track": {"enum": ["portfolio_journey", "urban_imaginaries", None]},
        "demo": {"type": "boolean", "description": "A placeholder record, not real data."},
        "contacts": {"type": "object", "description": "Public contacts of the municipality."},
        "url": {"type": "string", "format": "uri"},
    },
}
_REF = {"$ref": "#/components/schemas/Municipality"}
# The keys of m4eg.figures.services.KEYS (the API may not import the figures' internals).
FIGURE_KEYS = ("members", "deep_demonstrators", "new_members", "communications_reach",
               "events", "event_participants", "ulc_staff", "plans_submitted",
               "plans_approved", "plans_monitored", "actions_completed", "budget_mobilised")
_MONTH = {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}
_FIGURE_PARAMETERS = [
    {"name": "from", "in": "query", "schema": _MONTH, "description": "First month, YYYY-MM."},
    {"name": "to", "in": "query", "schema": _MONTH,
     "description": "Last month (inclusive), YYYY-MM; not before `from`."},
    {"name": "lang", "in": "query", "schema": {"enum": ["az", "en"]},
     "description": "Language of the labels, definitions and messages (default en)."},
]
_PERIOD = {"type": "object", "properties": {"from": {"type": ["string", "null"]},
                                            "to": {"type": ["string", "null"]}}}
_COUNT = {"type": ["integer", "string"],
          "description": "A count; a count of people from 1 to 4 reads \"<5\", one that "
                         "would give it back by subtraction \"withheld\"."}
_FIGURE = {
    "type": "object",
    "properties": {
        "key": {"enum": list(FIGURE_KEYS)}, "label": {"type": "string"},
        "tracked": {"type": "boolean"},
        "value": {**_COUNT, "description": "The figure; \"n/a\" when the records cannot "
                                           "give it (see `unavailable_reason`)."},
        "unavailable_reason": {"type": ["string", "null"]},
        "definition": {"type": "string", "description": "What the figure counts."},
        "breakdown": {"type": "object", "additionalProperties": _COUNT},
        "breakdown_labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "also": {"type": "object", "additionalProperties": {"type": "integer"},
                 "description": "Counts shown beside the figure, not part of its breakdown "
                                "(event_participants: `municipalities` represented)."},
        "also_labels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_FIGURE_REF = {"$ref": "#/components/schemas/Figure"}
_FIGURES_200 = ("Figures for the period: members, deep_demonstrators, new_members, "
                "communications_reach, events, event_participants, ulc_staff, "
                "plans_submitted, plans_approved; `notice` says when the period lies outside "
                "the records")
_BAD_PERIOD = {"description": "A month not written as YYYY-MM, `from` after `to`, or a "
                              "`lang` other than az and en (a translated `error` and the "
                              "`field`)"}


_PLAN_PARAMETERS = [
    {"name": "type", "in": "query", "schema": {"enum": ["city", "district", "village"]},
     "description": "Municipality type."},
    {"name": "region", "in": "query", "schema": {"type": "string"},
     "description": "Economic region code (e.g. SZQ)."},
    {"name": "rayon", "in": "query", "schema": {"type": "string"},
     "description": "Rayon code."},
    {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000,
                                                "maximum": 2100},
     "description": "Year the plan was approved."},
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
     "description": "Search in the municipality's names; ignores case and Azerbaijani "
                    "letters (Seki, Sheki and Şəki are the same)."},
    {"name": "monitored", "in": "query", "schema": {"enum": ["yes", "no"]},
     "description": "yes: plans with a public accepted monitoring report; no: plans "
                    "without one."},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 100}},
]
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_REPORT = {
    "type": "object",
    "description": "A monitoring report of the plan that the network coordinators accepted "
                   "and did not withhold. No personal data: no names, emails, review "
                   "comments, reviewer notes or history; the per-action notes are left out.",
    "properties": {
        "id": {"type": "integer"},
        "round": {"type": "object", "properties": {
            "name": {"type": "string"}, "starts_on": {"type": "string", "format": "date"},
            "ends_on": {"type": "string", "format": "date"}},
            "description": "The reporting round and the period the report covers."},
        "accepted_on": {"type": ["string", "null"], "format": "date"},
        "demo": {"type": "boolean", "description": "An example report, not real data."},
        "actions": {"type": "array", "description": "Each action of the plan as approved "
                                                    "(`row`: its place in the action plan).",
                    "items": {"type": "object", "properties": {
                        "row": {"type": "integer"}, "action": {"type": "string"},
                        "status": {"enum": ["not_started", "ongoing", "completed",
                                            "postponed", "cancelled", None]},
                        "reason": {"type": ["string", "null"],
                                   "description": "Why postponed or cancelled."},
                        "done_pct": _NUMBER_OR_NULL,
                        "budget": {"type": "array", "description": "Per funding source "
                                                                   "(template keys): AZN "
                                                                   "planned and spent.",
                                   "items": {"type": "object", "properties": {
                                       "source": {"type": "string"},
                                       "planned": {"type": "number"},
                                       "spent": _NUMBER_OR_NULL}}}}}},
        "targets": {"type": "array", "items": {"type": "object", "properties": {
            "row": {"type": "integer"}, "indicator": {"type": "string"},
            "unit": {"type": "string"}, "baseline": _NUMBER_OR_NULL,
            "baseline_year": {"type": ["integer", "null"]}, "target_value": _NUMBER_OR_NULL,
            "target_year": {"type": ["integer", "null"]}, "actual": _NUMBER_OR_NULL,
            "date": {"type": ["string", "null"], "format": "date"},
            "share_of_way": {"type": ["integer", "null"],
                             "description": "% of the way from the baseline to the target."}}}},
        "narrative": {"type": "object", "properties": {
            "changed": {"type": "string"}, "learnt": {"type": "string"},
            "help": {"type": "string"}}},
        "spent_total": {"type": "number", "description": "AZN spent, all sources."},
    },
}
_PLAN = {
    "type": "object",
    "description": "An approved P4EG plan that no coordinator withheld. No personal data: "
                   "no names, emails, review comments or history; the action plan's "
                   "`responsible` column is left out.",
    "properties": {
        "id": {"type": "integer"},
        "municipality": {"type": "object", "properties": {
            "code": {"type": "string"}, "slug": {"type": "string"}, "name": _NAME,
            "type": {"enum": ["city", "district", "village"]},
            "rayon": {"type": ["string", "null"]}, "region": {"type": ["string", "null"]}}},
        "cycle": {"type": "string"},
        "template": {"type": "object", "properties": {"code": {"type": "string"},
                                                      "version": {"type": "integer"}}},
        "approved_on": {"type": ["string", "null"], "format": "date"},
        "demo": {"type": "boolean", "description": "An example plan, not real data."},
        "content": {"type": "object", "description": "Section key → field key → value, as "
                                                     "the template (plans/data) defines "
                                                     "them."},
        "budget": {"type": "object", "description": "Action-plan budget totals (AZN): "
                                                    "by_source, by_year, unscheduled, "
                                                    "total."},
        "monitoring": {"type": "object", "description": "The plan's public monitoring "
                                                      "reports: how many, and the latest.",
                       "properties": {
                           "accepted_reports": {"type": "integer"},
                           "latest": {"type": ["object", "null"], "properties": {
                               "id": {"type": "integer"}, "round": {"type": "string"},
                               "accepted_on": {"type": ["string", "null"],
                                               "format": "date"}}}}},
        "monitoring_reports": {"type": "array", "items": {
            "$ref": "#/components/schemas/MonitoringReport"},
            "description": "Only in /api/v1/plans/{plan_id}: the public monitoring reports, "
                           "the latest round first."},
        "url": {"type": "string", "format": "uri"},
    },
}
_PLAN_REF = {"$ref": "#/components/schemas/Plan"}
_BAD_PLAN_PARAMETER = {"description": "A filter or page value that is not one (a translated "
                                      "`error` and the `field`)"}


def openapi_document() -> dict:
    """The API description."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "M4EG Azerbaijan open data",
            "version": "1.0.0",
            "description": "Read-only data of the Mayors for Economic Growth network in "
                           "Azerbaijan. No personal data.",
        },
        "paths": {
            "/api/v1/municipalities": {"get": {
                "summary": "Member municipalities", "parameters": _FILTERS,
                "responses": {"200": {"description": "A page of members", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "items": {"type": "array", "items": _REF},
                        "page": {"type": "integer"}, "per_page": {"type": "integer"},
                        "total": {"type": "integer"}, "pages": {"type": "integer"},
                        "counts_by_type": {"type": "object"}}}}}}},
            }},
            "/api/v1/municipalities/{slug}": {"get": {
                "summary": "One member municipality",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The member", "content": {"application/json": {
                        "schema": _REF}}},
                    "404": {"description": "No member has this slug"}},
            }},
            "/api/v1/plans": {"get": {
                "summary": "Approved P4EG plans (open data)", "parameters": _PLAN_PARAMETERS,
                "responses": {
                    "200": {"description": "A page of plans, the latest approved first",
                            "content": {"application/json": {"schema": {
                                "type": "object", "properties": {
                                    "items": {"type": "array", "items": _PLAN_REF},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "pages": {"type": "integer"}}}}}},
                    "400": _BAD_PLAN_PARAMETER},
            }},
            "/api/v1/plans/{plan_id}": {"get": {
                "summary": "One approved P4EG plan with its accepted monitoring reports",
                "parameters": [{"name": "plan_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The plan", "content": {"application/json": {
                        "schema": _PLAN_REF}}},
                    "404": {"description": "No public plan has this id (not approved, "
                                           "withheld, or none)"}},
            }},
            "/api/v1/courses": {"get": {
                "summary": "The Urban Learning Center's course catalogue (no learner data)",
                "responses": {"200": {"description": "Courses with bilingual titles, "
                                                     "summaries and lesson lists"}},
            }},
            "/api/v1/readiness": {"get": {
                "summary": "Smart Village Readiness ranking (village municipalities, rayons or "
                           "village clusters) in one year",
                "parameters": [
                    {"name": "kind", "in": "query",
                     "schema": {"enum": ["village", "rayon", "cluster"]}},
                    {"name": "of", "in": "query", "schema": {"enum": ["village", "rayon"]},
                     "description": "With kind=cluster: the clusters built from village "
                                    "municipalities or from rayons, ranked separately; the "
                                    "first kind with clusters by default."},
                    {"name": "year", "in": "query", "schema": {"type": "integer"},
                     "description": "A year with values; the latest by default."},
                    {"name": "weights", "in": "query", "schema": {"type": "integer"},
                     "description": "A saved weight set; equal weights by default."}],
                "responses": {"200": {"description": "Areas with rank, class, official "
                                                     "class, index, dimension scores, gaps "
                                                     "and data coverage; `demo: true` marks "
                                                     "synthetic data"},
                              "400": {"description": "`year` is no year with values"}},
            }},
            "/api/v1/figures": {"get": {
                "summary": "Key figures of the network, computed from records",
                "parameters": _FIGURE_PARAMETERS,
                "responses": {
                    "200": {"description": _FIGURES_200, "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "period": _PERIOD, "notice": {"type": ["string", "null"]},
                            "lang": {"enum": ["az", "en"]},
                            "figures": {"type": "array", "items": _FIGURE_REF}}}}}},
                    "400": _BAD_PERIOD},
            }},
            "/api/v1/figures/{key}": {"get": {
                "summary": "One key figure",
                "parameters": [{"name": "key", "in": "path", "required": True,
                                "schema": {"enum": list(FIGURE_KEYS)}}, *_FIGURE_PARAMETERS],
                "responses": {
                    "200": {"description": _FIGURES_200, "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "period": _PERIOD, "notice": {"type": ["string", "null"]},
                            "lang": {"enum": ["az", "en"]}, "figure": _FIGURE_REF}}}}},
                    "400": _BAD_PERIOD,
                    "404": {"description": "No key figure has this key (a translated "
                                           "`error`)"}},
            }},
        },
        "components": {"schemas": {"Municipality": _MUNICIPALITY, "Figure": _FIGURE,
                                   "Plan": _PLAN, "MonitoringReport": _REPORT}},
    }
