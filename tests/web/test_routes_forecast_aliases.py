"""One route per figure in the OpenAPI schema: the generated ``/api/forecast/when``, ``/api/forecast/how-many``
and ``/api/deps/graph``; the pages' JSON twins (``/api/forecasts/when``, ``/api/forecasts/how-many``,
``/api/dependencies``) still answer, as deprecated aliases out of the schema. A forecast route given no
seed uses the API's seed (1, as the pages): the same answer on every call, the seed in its params."""

from __future__ import annotations

from fastapi.testclient import TestClient

from orgflow.forecast.defaults import API_SEED
from orgflow.web.forecast_query import DEFAULT_SEED

QUERY = "team=checkout&items=20&window=60&trials=2000"


def test_one_route_per_figure_in_the_schema(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for kept, alias in [
        ("/api/forecast/when", "/api/forecasts/when"),
        ("/api/forecast/how-many", "/api/forecasts/how-many"),
        ("/api/deps/graph", "/api/dependencies"),
    ]:
        assert kept in paths and alias not in paths
    seed = next(p for p in paths["/api/forecast/when"]["get"]["parameters"] if p["name"] == "seed")
    assert seed["schema"]["default"] == 1


def test_the_aliases_still_answer(client: TestClient) -> None:
    for path in (f"/api/forecasts/when?{QUERY}", f"/api/forecasts/how-many?{QUERY}", "/api/dependencies"):
        response = client.get(path)
        assert response.status_code == 200 and response.json()["ok"] is True, path


def test_a_forecast_route_without_seed_uses_seed_1_and_repeats(client: TestClient) -> None:
    assert API_SEED == DEFAULT_SEED == 1  # the pages and the routes: one default, stated once
    first = client.get(f"/api/forecast/when?{QUERY}").json()
    assert first["params"]["seed"] == 1 and first == client.get(f"/api/forecast/when?{QUERY}").json()
    assert first == client.get(f"/api/forecast/when?{QUERY}&seed=1").json()
    # The page's twin (its own path: the page's view) gives the same rows for the same query and seed.
    twin = client.get(f"/api/forecasts/when?{QUERY}").json()
    assert twin["params"]["seed"] == 1 and twin["rows"] == first["rows"] and len(first["rows"]) == 4


def test_how_many_route_equals_the_page_twin(client: TestClient) -> None:
    # The page's "how many" without a date looks 90 days ahead.
    query = "team=checkout&window=60&trials=2000"
    routed = client.get(f"/api/forecast/how-many?{query}&days=90").json()
    twin = client.get(f"/api/forecasts/how-many?{query}").json()
    assert routed["params"]["seed"] == twin["params"]["seed"] == 1
    assert routed["rows"] == twin["rows"] and len(routed["rows"]) == 4
