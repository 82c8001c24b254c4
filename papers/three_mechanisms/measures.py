"""The linear-model experiments C1–C6, written once against a backend's `simulate(batch)`.

Each `run_*` draws its initial weights with numpy (common.py), lets the backend run gradient
descent (float64) and turns the recorded weights into the measurements the claims read.
torch_impl / jax_impl bind these with their own simulator, so both backends compute the same
quantities from the same initial weights.
"""
from __future__ import annotations

import numpy as np

from claimbench.metrics import loglog_slope
from claimbench.seeding import make_rng
from papers.three_mechanisms import common, phase, theory


def _rel_sup(x, ref, axis=-1):
    """max_t ‖x(t) − ref(t)‖ / max_t ‖ref(t)‖ per run (vectors along `axis`, time on the axis before).

    Normalised by the largest norm along the path, not pointwise: a layer whose weights pass
    through 0 (a sign flip of w when f0 and a differ in sign) would make a pointwise ratio blow up.
    """
    num = np.linalg.norm(x - ref, axis=axis)
    den = np.maximum(np.linalg.norm(ref, axis=axis), 1e-300)
    return num.max(-1) / den.max(-1)


def compute_drift(series, scale):
    """max_t |x(t) − x(0)| / max_t scale(t), per run (relative variation of a conserved quantity)."""
    return np.abs(series - series[:, :1]).max(-1) / np.maximum(np.abs(scale).max(-1), 1e-300)


def _f_errors(batch, gd_f, exact_f):
    scale = np.maximum(np.abs(batch.a), np.abs(exact_f[:, 0]))
    return np.abs(gd_f - exact_f).max(-1) / scale


def _ode_errors(batch, ex):
    """Closed form vs adaptive solver: f and weight errors, and the drift of Q on the solver path."""
    f_err, w_err, q_drift = [], [], []
    for b in range(len(batch.a)):
        u, w = common.ode_reference(batch, b)
        d = u.shape[1]
        st = common.trajectory_stats(_take(batch, b), u[None], w[None])
        f_err.append(_f_errors(_take(batch, b), st["f"], ex["f"][b:b + 1])[0])
        w_err.append(max(_rel_sup(u, ex["u"][b][:, :d]), _rel_sup(w, ex["w"][b][:, :d])))
        q = theory.ntk_invariant(st["f"], st["ntk"], kappa=batch.kappa[b], eta_u=batch.eta_u[b],
                                 eta_w=batch.eta_w[b])
        q_drift.append(compute_drift(q, st["ntk"] ** 2)[0])
    return max(f_err), max(w_err), max(q_drift)


def _take(batch, b):
    sl = slice(b, b + 1)
    return common.LinearBatch(batch.u0[sl], batch.W0[sl], batch.n[sl], batch.a[sl], batch.kappa[sl],
                              batch.eta_u[sl], batch.eta_w[sl], batch.h[sl], batch.n_steps, batch.n_records)


def run_exact_vs_gd(params, seed, simulate):
    """C1/C2: GD (h and 2h) and an adaptive ODE solver against the closed form; conservation laws."""
    configs, labels = common.exact_vs_gd_configs(params, seed)
    batch = common.make_batch(configs, hk=params.hk, max_steps=params.max_steps, n_records=params.n_records)
    ex = common.exact_on_grid(batch)
    u, w, _ = simulate(batch)
    u2, w2, _ = simulate(batch.with_step_factor(2))
    st, st2 = common.trajectory_stats(batch, u, w), common.trajectory_stats(batch, u2, w2)
    err, err2 = _f_errors(batch, st["f"], ex["f"]), _f_errors(batch, st2["f"], ex["f"])
    ratio = err2 / np.maximum(err, 1e-300)
    q = theory.ntk_invariant(st["f"], st["ntk"], kappa=batch.kappa[:, None], eta_u=batch.eta_u[:, None],
                             eta_w=batch.eta_w[:, None])
    uu, ww = st["u_norm"] ** 2, st["w_norm"] ** 2
    c_drift = np.maximum(compute_drift(st["c1"], batch.eta_w[:, None] * uu + batch.eta_u[:, None] * ww),
                         compute_drift(st["c2"], uu * ww))
    ode_f, ode_w, ode_q = _ode_errors(batch, ex)
    return {
        "max_rel_err_f": float(err.max()),
        "max_rel_err_weights": float(max(_rel_sup(u, ex["u"]).max(), _rel_sup(w, ex["w"]).max())),
        "order_ratio_worst": float(ratio[np.argmax(np.abs(np.log(ratio / 2.0)))]),
        "max_conserved_drift_gd": float(c_drift.max()),
        "q_drift_gd": float(compute_drift(q, st["ntk"] ** 2).max()),
        "q_drift_ode": float(ode_q),
        "max_err_exact_vs_ode": float(max(ode_f, ode_w)),
        "hk_used": float((batch.h * np.maximum(ex["ntk"].max(-1), st["ntk"].max(-1))).max()),
        # horizon reached in units of 1/K∞ (10 unless max_steps shortened it)
        "min_horizon_kinf": float((batch.times[:, -1] * ex["ntk"][:, -1]).min()),
        "times": batch.times, "f_gd": st["f"], "f_exact": ex["f"], "ntk_gd": st["ntk"],
        "ntk_exact": ex["ntk"], "labels": np.array(labels, dtype=np.float64), "err_f": err, "err_f_2h": err2,
    }


def run_phase_diagram(params, seed, simulate):
    """C3: closed-form kernel-change exponents per parameterization and on the (q, p) grid (numpy only)."""
    out = phase.compute_named(params, seed)
    out.update(phase.compute_grid(params, seed))
    out["anchor_max_rel_err"] = phase.compute_anchor_error(params.phase_widths)
    return out


def run_phase_gd(params, seed, simulate):
    """C3: GD at width phase_gd_width per named parameterization; ΔK(T) against the closed form."""
    batch = common.make_batch(phase.gd_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                              n_records=params.n_records)
    u, w, _ = simulate(batch)
    st, ex = common.trajectory_stats(batch, u, w), common.exact_on_grid(batch)
    dk_gd, dk_ex = st["ntk"][:, -1] - st["ntk"][:, 0], ex["ntk"][:, -1] - ex["ntk"][:, 0]
    return {"gd_dk_rel_err": float((np.abs(dk_gd - dk_ex) / np.abs(dk_ex)).max()),
            "gd_dk_over_k0": dk_gd / st["ntk"][:, 0], "exact_dk_over_k0": dk_ex / ex["ntk"][:, 0],
            "times": batch.times, "ntk": st["ntk"]}


def run_alignment(params, seed, simulate):
    """C4: kernel-scaled (sigma = 1) vs small (sigma = 0.02) init at width d, kappa = 1/√d, d_in > 1."""
    rng = make_rng(seed, "three_mechanisms/alignment")
    d, d_in = params.width, params.d_in
    n = rng.standard_normal(d_in)
    n /= np.linalg.norm(n)
    configs = [common.make_config(common.gaussian(rng, d, s), None, W0=common.gaussian(rng, d, s, (d_in,)),
                                  n=n, kappa=1 / np.sqrt(d), horizon=30.0) for s in (1.0, 0.02)]
    batch = common.make_batch(configs, hk=params.hk, max_steps=params.max_steps, n_records=params.n_records)
    u, w, w_fro2 = simulate(batch)
    st = common.trajectory_stats(batch, u, w)
    rho = st["w_norm"] ** 2 / w_fro2
    cos_pred = [theory.final_cos(batch.u0[b], batch.w0[b], a=batch.a[b], kappa=batch.kappa[b]) for b in (0, 1)]
    ratio = st["ntk"][:, -1] / st["ntk"][:, 0]
    return {
        "feature_cos_final": float(abs(st["cos"][1, -1])),
        "feature_cos_vs_theory_err": float(abs(abs(st["cos"][1, -1]) - cos_pred[1])),
        "feature_ntk_ratio": float(ratio[1]),
        "feature_rho_rise": float(rho[1, -1] - rho[1, 0]),
        "kernel_cos_final_sqrt_d": float(abs(st["cos"][0, -1]) * np.sqrt(d)),
        "kernel_ntk_change_times_d": float(abs(ratio[0] - 1.0) * d),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "rho_w": rho,
        "u_norm": st["u_norm"], "w_norm": st["w_norm"], "f": st["f"],
    }


def _disalign_configs(params, seed):
    rng = make_rng(seed, "three_mechanisms/disalignment")
    configs = []
    for d in params.disalign_widths:
        e1, e2 = common.random_orthonormal_pair(rng, d)
        c = np.sqrt(8.0)  # |u0| = |w0| = √8 at 60°: f0 = 8 cos 60° = 4 = 4a
        configs.append(common.make_config(c * e1, c * (0.5 * e1 + np.sqrt(0.75) * e2), horizon=20.0))
    return configs


def compute_disalign_scaling(params, seed):
    """Mean relative NTK drop (K0 − K∞)/K0 of random large inits (sigma = 1, a = 1) per width, and its slope."""
    rng = make_rng(seed, "three_mechanisms/disalignment-scaling")
    drops = []
    for d in params.disalign_scaling_widths:
        u, w = rng.standard_normal((2, params.disalign_draws, d))
        k0 = theory.ntk_scalar(u, w)
        f0 = (u * w).sum(-1)
        # K∞² − K₀² = 4 (a² − f₀²): drop = (K0 − K∞)/K0 = 4(f0² − a²)/(K0 (K0 + K∞))
        kinf = np.sqrt(np.maximum(k0**2 + 4.0 * (1.0 - f0**2), 0.0))
        drops.append(float(np.mean(4.0 * (f0**2 - 1.0) / (k0 * (k0 + kinf)))))
    return np.array(drops), loglog_slope(np.array(params.disalign_scaling_widths), np.array(drops))


def run_disalignment(params, seed, simulate):
    """C5: f0 = 4a at small width; |cos θ| and K fall. Plus the 1/d scaling of the drop (closed form)."""
    batch = common.make_batch(_disalign_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                              n_records=params.n_records)
    u, w, _ = simulate(batch)
    st = common.trajectory_stats(batch, u, w)
    f0 = st["f"][:, 0]
    pred = 4.0 * batch.eta_u * batch.eta_w * batch.kappa**2 * (batch.a**2 - f0**2)
    got = st["ntk"][:, -1] ** 2 - st["ntk"][:, 0] ** 2
    drops, slope = compute_disalign_scaling(params, seed)
    return {
        "cos_max_increase": float(np.diff(np.abs(st["cos"]), axis=1).max()),
        "max_kT_over_k0": float((st["ntk"][:, -1] / st["ntk"][:, 0]).max()),
        "ntk_sq_change_rel_err": float((np.abs(got - pred) / np.abs(pred)).max()),
        "drop_slope": float(slope),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "u_norm": st["u_norm"],
        "w_norm": st["w_norm"], "f": st["f"], "drops": drops,
        "widths": np.array(params.disalign_widths, dtype=np.float64),
        "drop_widths": np.array(params.disalign_scaling_widths, dtype=np.float64),
    }


def run_rescaling(params, seed, simulate):
    """C6: u0 ∥ w0 (C2 = 0): the angle is frozen, norms move along η_w|u|² − η_u|w|² = C1."""
    rng = make_rng(seed, "three_mechanisms/rescaling")
    v = rng.standard_normal(params.rescale_width)
    v /= np.linalg.norm(v)
    configs = [common.make_config(0.1 * v, 0.1 * v, a=2.0, eta_w=r, horizon=20.0) for r in params.rescale_lr_ratios]
    batch = common.make_batch(configs, hk=params.hk, max_steps=params.max_steps, n_records=params.n_records)
    u, w, _ = simulate(batch)
    st, ex = common.trajectory_stats(batch, u, w), common.exact_on_grid(batch)
    du2, dw2 = st["u_norm"][:, -1] ** 2 - st["u_norm"][:, 0] ** 2, st["w_norm"][:, -1] ** 2 - st["w_norm"][:, 0] ** 2
    lr_ratio = batch.eta_w / batch.eta_u
    norm_err = np.maximum(np.abs(st["u_norm"][:, -1] / ex["u_norm"][:, -1] - 1),
                          np.abs(st["w_norm"][:, -1] / ex["w_norm"][:, -1] - 1))
    unequal = lr_ratio != 1.0
    bigger = np.where(lr_ratio > 1, dw2 > du2, du2 > dw2)[unequal]
    return {
        "min_abs_cos": float(np.abs(st["cos"]).min()),
        "final_norm_rel_err": float(norm_err.max()),
        # Δ(η_w|u|²) = Δ(η_u|w|²)  ⇒  Δ|w|²/Δ|u|² = η_w/η_u
        "growth_ratio_rel_err": float(np.abs(dw2 / du2 / lr_ratio - 1.0).max()),
        "larger_lr_grows_more": float(bigger.mean()) if bigger.size else 1.0,
        "ntk_ratio_min": float((st["ntk"][:, -1] / st["ntk"][:, 0]).min()),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "u_norm": st["u_norm"],
        "w_norm": st["w_norm"], "f": st["f"], "lr_ratios": lr_ratio,
    }



# fn(params, seed, simulate) with simulate(batch) -> (u, w, |W|_F² records) on one device; each backend
# binds them to its gradient-descent simulator (claimbench.experiments.bind).
EXPERIMENTS = {"exact_vs_gd": run_exact_vs_gd, "phase_diagram": run_phase_diagram, "phase_gd": run_phase_gd,
               "alignment": run_alignment, "disalignment": run_disalignment, "rescaling": run_rescaling}
