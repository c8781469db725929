"""The plugin's own example: the fixture serves the Cloud API, and the getting-started
integration (pos.py, starter.toml beside this file) passes its scenario through the marker."""

import json
import urllib.parse
import urllib.request

import pytest


def test_the_fixture_serves_the_documented_example(payterm):
    cloud = payterm.credentials["cloud"]
    form = urllib.parse.urlencode({"grant_type": "password", "username": cloud["username"],
                                   "password": cloud["password"], "tid": cloud["tid"]}).encode()
    request = urllib.request.Request(payterm.url + "/cloud/oauth/token", form, {"Authorization": payterm.basic})
    with urllib.request.urlopen(request) as answer:
        token = json.load(answer)
    assert token["tid"] == "999888" and token["token_type"] == "bearer"


@pytest.mark.payterm_scenario("starter.toml", command="python3 pos.py")
def test_the_getting_started_integration_passes_its_scenario(payterm_run):
    assert payterm_run.passed, payterm_run.output
    assert [s["status"] for s in payterm_run.report["scenarios"]] == ["passed"]
