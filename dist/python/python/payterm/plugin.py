"""The pytest plugin: the `payterm` fixture (a `payterm serve` per test) and the
`payterm_scenario` marker with the `payterm_run` fixture (`payterm run` against your code)."""

import pytest

from . import run_scenarios, start_serve


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "payterm_scenario(*paths, command=None, args=None): run these scenario files with "
        "`payterm run --exec COMMAND` from the test's folder; the `payterm_run` fixture holds the result",
    )


@pytest.fixture
def payterm_serve_args():
    """Extra options for `payterm serve` (override it, e.g. `return ["--terminals", "3"]`)."""
    return []


@pytest.fixture
def payterm(payterm_serve_args):
    """A `payterm serve` on free ports for this test: `url`, `control_url`, `app2app_url`,
    `credentials` (as PAYTERM_CREDENTIALS) and `basic`; stopped after the test."""
    server = start_serve(payterm_serve_args)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def payterm_run(request):
    """The result of the test's `payterm_scenario` marker: `passed`, `returncode`, `output`,
    `report` (the JSON report)."""
    marker = request.node.get_closest_marker("payterm_scenario")
    if marker is None:
        pytest.fail("payterm_run needs @pytest.mark.payterm_scenario(PATHS…, command=…)")
    folder = str(request.path.parent) if hasattr(request, "path") else str(request.fspath.dirname)
    return run_scenarios(list(marker.args), marker.kwargs.get("command"), marker.kwargs.get("args"), cwd=folder)
