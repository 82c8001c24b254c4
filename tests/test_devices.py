"""claimbench.devices: one place resolves --device and picks the jax device."""
import pytest

from claimbench.devices import jax_device, resolve_device
from claimbench.params import ParamsError


def test_cpu_resolves_to_cpu_and_jax_gets_a_cpu_device():
    pytest.importorskip("jax")
    assert resolve_device("cpu", "jax") == "cpu"
    assert jax_device("cpu").platform == "cpu"


def test_unknown_device_is_a_params_error():
    with pytest.raises(ParamsError, match="--device 'tpu'"):
        resolve_device("tpu", "torch")
