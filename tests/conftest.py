"""Set-up shared by the unit tests (the root conftest.py sets the work folder and the Agg backend)."""
import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test drew, so figures never pile up across tests."""
    yield
    plt.close("all")
