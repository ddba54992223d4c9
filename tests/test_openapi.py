"""contracts/openapi.yaml describes every endpoint of the sidecar, and the answers match it."""

from __future__ import annotations

import re

import requests
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.stack import REPO

SPEC = yaml.safe_load((REPO / "contracts" / "openapi.yaml").read_text())


def test_the_document_is_valid_openapi():
    validate(SPEC, base_uri=(REPO / "contracts").as_uri() + "/")


def test_every_route_of_the_app_is_documented_and_every_documented_route_exists(app):
    served, viewer_actions = set(), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        if path.startswith("/v1/viewer/"):  # documented as one item, its actions listed
            viewer_actions.add(path.rsplit("/", 1)[1])
            path = "/v1/viewer/{action}"
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert served == documented
    parameter = SPEC["paths"]["/v1/viewer/{action}"]["post"]["parameters"][0]
    assert set(parameter["schema"]["enum"]) == viewer_actions


def schema(name: str) -> Draft202012Validator:
    return Draft202012Validator({**SPEC["components"]["schemas"][name], "$defs": SPEC["components"]["schemas"]})


def test_health_answers_as_documented(sidecar):
    answer = requests.get(sidecar.url + "/healthz", timeout=5)
    assert answer.status_code == 200
    schema("Health").validate(answer.json())


def test_bridge_answers_and_refusals_are_as_documented(sidecar):
    payload = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1}
    ok = sidecar.call("client_webinar_completed", [payload])
    documented = SPEC["paths"]["/v1/hooks/{hook}"]["post"]["responses"]
    body = ok.json()
    assert body["status"] in ("processed", "duplicate")
    for emit in body["emit"]:
        schema("Emit").validate(emit)
    for refused in (sidecar.call("client_webinar_completed", ["no"]), sidecar.call("nope", [])):
        assert str(refused.status_code) in documented
        schema("Refusal").validate(refused.json())
