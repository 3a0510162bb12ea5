"""Shared test options: ``--vcd DIR`` writes a VCD of every RTL simulation that asks for one; hypothesis profiles.

Hypothesis runs derandomized by default (CI is reproducible: the same examples every run); set
``HYPOTHESIS_PROFILE=explore`` to draw fresh random examples.
"""

import os
import re

import pytest
from hypothesis import settings

settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption("--vcd", metavar="DIR", default=None, help="write a VCD file per RTL simulation test into DIR")


@pytest.fixture
def vcd(request):
    """``vcd(tag)`` → a VCD path in the ``--vcd`` directory for this test (None without ``--vcd``)."""
    directory = request.config.getoption("--vcd")

    def path(tag=""):
        if directory is None:
            return None
        os.makedirs(directory, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{request.node.name}{'-' + tag if tag else ''}")
        return os.path.join(directory, name + ".vcd")

    return path
