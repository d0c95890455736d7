"""Set-up shared by the unit tests (the root conftest.py sets the work folder and the Agg backend)."""

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test drew, so figures never pile up across tests."""
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _no_moment_leaks_between_tests():
    """q.setup() sets the data's moment (data.as_of) for the whole process; each test starts without one."""
    from minusma import data

    data.as_of(None)
    yield
    data.as_of(None)
