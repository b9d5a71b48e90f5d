"""The read-only JSON API and its OpenAPI description."""

import json
import re


def test_municipality_list_filters_and_pages(client, roster):
    data = client.get("/api/v1/municipalities?type=village&per_page=10").get_json()
    assert data["total"] == 24 and len(data["items"]) == 10 and data["pages"] == 3
    assert data["counts_by_type"] == {"city": 11, "district": 20, "village": 24}
    assert client.get("/api/v1/municipalities?q=Sheki").get_json()["items"][0]["slug"] == \
        "sheki-city"


def test_municipality_detail_and_404(client, roster):
    urva = client.get("/api/v1/municipalities/urva").get_json()
    assert urva["name"] == {"az": "Urva bələdiyyəsi", "en": "Urva Municipality"}
    assert urva["deep_demonstrator_track"] == "urban_imaginaries" and urva["demo"] is False
    response = client.get("/api/v1/municipalities/nowhere")
    assert response.status_code == 404 and response.get_json()["status"] == 404
    assert "nothing at this address of the API" in response.get_json()["error"]


def test_every_unmatched_api_address_answers_json_404(client):
    for url in ("/api/v1/plans/abc", "/api/v1/nowhere", "/api/v1/plans/1/extra",
                "/az/api/v1/plans", "/api/v2/plans"):
        response = client.get(url)
        if not url.startswith("/api/"):
            continue  # a page address, not the API
        assert response.status_code == 404, url
        assert response.mimetype == "application/json", url
        assert "nothing at this address of the API" in response.get_json()["error"], url


def test_api_carries_no_personal_data(client, roster, make_user):
    user = make_user(name="Private Person")
    everything = "".join(client.get(url).get_data(as_text=True) for url in (
        "/api/v1/municipalities?per_page=100", "/api/v1/figures", "/api/v1/openapi.json"))
    assert user.email not in everything and "Private Person" not in everything


def test_figures_api_gives_every_figure_with_its_breakdown(client, roster):
    figures = {f["key"]: f for f in client.get("/api/v1/figures").get_json()["figures"]}
    assert figures["members"]["value"] == 55
    assert figures["members"]["breakdown"] == {"city": 11, "district": 20, "village": 24}
    assert figures["plans_submitted"] == {**figures["plans_submitted"], "tracked": True,
                                          "value": 0}


def test_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"}
    assert routes == set(document["paths"])
    json.dumps(document)


def test_api_ignores_bad_parameters(client, roster):
    response = client.get("/api/v1/municipalities?page=-4&per_page=100000&type=zzz")
    assert response.status_code == 200
    assert response.get_json()["per_page"] == 100
