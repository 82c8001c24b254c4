"""claimbench.experiments.bind: neutral experiments get the backend's ops for the device they run on."""
from claimbench.experiments import bind


def protocol(params, seed, ops):
    """Doc of the neutral experiment."""
    return {"value": ops(params + seed)}


def test_bind_passes_params_seed_and_the_device_ops():
    seen = []

    def make_ops(device):
        seen.append(device)
        return lambda x: x * (10 if device == "cuda" else 1)

    experiments = bind({"exp": protocol}, make_ops)
    assert experiments["exp"](2, 1, "cpu") == {"value": 3}
    assert experiments["exp"](2, 1, "cuda") == {"value": 30}
    assert seen == ["cpu", "cuda"]
    assert experiments["exp"].__name__ == "exp" and experiments["exp"].__doc__ == protocol.__doc__
