"""Claims C1–C7 of Xu & Ziyin (arXiv 2401.07085v3) as checkable statements (pure data).

Only the abstract and the opening of the introduction of the paper could be read (see README), so
section/figure numbers are not given; quantitative statements come from the model's exact solution,
derived by us in the README's "Model and derivation" section, and are marked `derived`. Thresholds are
ours, set before the first run; `why` says where one differs from that plan and why.
"""
from claimbench.claims import AtLeast, AtMost, Between, Claim, Source
from claimbench.registry import Paper

PAPER = Paper(title="Three Mechanisms of Feature Learning in a Linear Network", authors="Yizhou Xu, Liu Ziyin",
              arxiv="2401.07085v3", venue="ICLR 2025")

P = "three_mechanisms."
ABSTRACT_EXACT = "abstract (v3): 'an exact solution ... across any finite width ... from any initialization'"
ABSTRACT_PHASE = "abstract (v3): 'a detailed phase diagram' over width, layer-wise lrs, output and init scale"
ABSTRACT_MECH = "abstract (v3): mechanisms (1) alignment, (2) disalignment, (3) rescaling"
MODEL = "closed form of the model (README, Model and derivation); "


def _claim(name: str, **fields) -> Claim:
    """A three_mechanisms claim: fills the id prefix; 3 of 3 seeds unless given."""
    return Claim(id=P + name, **{"seeds": 3, "must_hold": 3, **fields})


C1 = (
    _claim(
        "exact_solution_matches_gd",
        statement="The closed-form trajectory f(t) equals simulated GD at every width "
            "(1, 4, 16, 256), lr ratio and init scale.",
        source=Source("derived", MODEL + ABSTRACT_EXACT),
        experiment="exact_vs_gd",
        metric="max_rel_err_f",
        expect=AtMost(1e-3),
        why="Ours (C1), set before the first run. Euler's global error is O(h·K) (h·K_max = 1e-3); a 30x "
            "margin was expected, we measure ~3e-4 (d = 1 large-init runs whose f changes sign dominate), "
            "so the margin is ~3-7x.",
        figure="exact_vs_gd"),
    _claim(
        "exact_weights_match_gd",
        statement="The closed-form weights u(t), w(t) equal simulated GD.",
        source=Source("derived", MODEL + ABSTRACT_EXACT),
        experiment="exact_vs_gd",
        metric="max_rel_err_weights",
        expect=AtMost(1e-3),
        why="Same O(h·K) Euler error as f. Error is max_t‖Δu‖/max_t‖u‖ (not pointwise: w passes through 0 when "
            "f0 < 0 < a, where a pointwise ratio is unbounded for any step).",
        figure="exact_vs_gd"),
    _claim(
        "gd_error_first_order",
        statement="Doubling the GD step doubles the deviation from the closed form "
            "(first-order Euler convergence to the exact flow).",
        source=Source("derived", MODEL + "Euler is first order"),
        experiment="exact_vs_gd",
        metric="order_ratio_worst",
        expect=Between(1.7, 2.3),
        why="Ours (C1): ratio in [1.7, 2.3] for first order. "
            "We compare h with 2h (same horizon) instead of h with h/2: a third of the steps, same test.",
        figure="exact_vs_gd"),
    _claim(
        "conserved_quantities_gd",
        statement="η_w|u|² − η_u|w|² and |u|²|w|² − (u·w)² stay constant along GD.",
        source=Source("derived", "conservation laws of the model (README, Model and derivation)"),
        experiment="exact_vs_gd",
        metric="max_conserved_drift_gd",
        expect=AtMost(1e-3),
        why="Ours (C1): relative drift ≤ 1e-3; GD breaks the laws at O(h²) per step, O(h·K) overall."),
    _claim(
        "closed_form_matches_ode_solver",
        statement="The closed form agrees with an adaptive ODE solver to 1e-8.",
        source=Source("derived", MODEL + "scipy solve_ivp DOP853 reference"),
        experiment="exact_vs_gd",
        metric="max_err_exact_vs_ode",
        expect=AtMost(1e-8),
        why="Ours (C1). The reference runs at rtol 1e-12 (not the 1e-10 first planned): at 1e-10 the "
            "solver's own error reaches 1e-8 on the d = 1 small-init runs; at 1e-12 agreement is ~1e-10."),
)
C2 = (
    _claim(
        "ntk_identity_ode",
        statement="K² − 4η_uη_wκ²f² is constant along the gradient flow (adaptive ODE solver), so "
            "the NTK changes only through the output.",
        source=Source("derived", "key identity of the model (README, Model and derivation)"),
        experiment="exact_vs_gd",
        metric="q_drift_ode",
        expect=AtMost(1e-6),
        why="Ours (C2, solver): ≤ 1e-6 relative to max K²; solver error is ~1e-12."),
    _claim(
        "ntk_identity_gd",
        statement="K² − 4η_uη_wκ²f² is constant along gradient descent (h·K = 1e-3).",
        source=Source("derived", "key identity of the model (README, Model and derivation)"),
        experiment="exact_vs_gd",
        metric="q_drift_gd",
        expect=AtMost(1e-3),
        why="Ours (C2, GD): ≤ 1e-3 at h·K = 1e-3 (O(h·K) Euler drift), relative to max K²."),
)
C3 = (
    _claim(
        "kernel_phase_exponent",
        statement="In the kernel phase ΔK/K0 ∝ d^{E_χ}: fitted log-log slopes match E_χ = "
            "c_u + c_w + 2q − 2 − 2max(c_u − p_w, c_w − p_u) (NTK, SP-scalar, lr-imbalanced MF).",
        source=Source("derived", MODEL + ABSTRACT_PHASE),
        experiment="phase_diagram",
        metric="kernel_slope_max_err",
        expect=AtMost(0.1),
        why="Ours (C3 i): ±0.1; d ≥ 64 and f0 = 0 inits leave O(d^{-1/2}) noise in the means (a few 0.01).",
        figure="phase_diagram"),
    _claim(
        "critical_kernel_change_constant",
        statement="At E_χ = 0 (mean-field) the kernel change ΔK/K0 is O(1) and "
            "width-independent (√2 − 1 for a = 1).",
        source=Source("derived", MODEL + ABSTRACT_PHASE),
        experiment="phase_diagram",
        metric="critical_rel_spread",
        expect=AtMost(0.1),
        why="Ours (C3 ii): < 10 % spread over d = 64..4096; the O(1/d) "
            "finite-width correction is ~4 % at d = 64.",
        figure="phase_diagram"),
    _claim(
        "phase_boundary",
        statement="Kernel vs feature-learning phase is decided by q + p = 1 + |c_u − c_w|/2 on the "
            "(q, p) grid.",
        source=Source("derived", MODEL + ABSTRACT_PHASE),
        experiment="phase_diagram",
        metric="phase_agreement",
        expect=AtLeast(0.95),
        why="Ours (C3 iii): ≥ 95 % of cells at distance ≥ 0.25 from the line; kernel = slope < −0.125.",
        figure="phase_diagram"),
    _claim(
        "orthogonal_anchors",
        statement="Orthogonal deterministic inits give ΔK/K0 = √(1 + χ²) − 1 exactly "
            "(NTK: √(1 + 1/d) − 1, MF: √2 − 1).",
        source=Source("derived", "ΔK/K0 = √(1 + χ²) − 1 for orthogonal inits (README, Model and derivation)"),
        experiment="phase_diagram",
        metric="anchor_max_rel_err",
        expect=AtMost(1e-6),
        why="Ours (C3 iv): 1e-6; both sides are closed forms (float64)."),
    _claim(
        "phase_gd_confirmation",
        statement="Gradient descent at d = 1024 reproduces the closed-form kernel change in "
            "every named parameterization.",
        source=Source("derived", MODEL + "GD check of C3"),
        experiment="phase_gd",
        metric="gd_dk_rel_err",
        expect=AtMost(1e-2),
        why="Ours: ΔK is a small difference in kernel cells, so allow 10x the "
            "O(h·K) = 1e-3 Euler error, relative to ΔK itself.",
        seeds=1,
        must_hold=1),
)
C4 = (
    _claim(
        "alignment_cos_final",
        statement="Small init: u and Wn align (|cos θ∞| ≥ 0.9).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="feature_cos_final",
        expect=AtLeast(0.9),
        why="Ours (C4): predicted a/√(κ²C2 + a²) ≈ 1 for small init.",
        figure="mechanisms"),
    _claim(
        "alignment_cos_theory",
        statement="Small init: final |cos θ| equals a/√(κ²C2 + a²).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="feature_cos_vs_theory_err",
        expect=AtMost(1e-3),
        why="Ours (C4): 1e-3 (GD at h·K = 1e-3, t = 30/K∞).",
        figure="mechanisms"),
    _claim(
        "alignment_ntk_grows",
        statement="Small init: the NTK grows (K∞/K0 ≥ 2).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="feature_ntk_ratio",
        expect=AtLeast(2.0),
        why="Ours (C4).",
        figure="mechanisms"),
    _claim(
        "alignment_first_layer_concentrates",
        statement="Small init: W concentrates on the data direction "
         "(ρ_W = |Wn|²/‖W‖² rises by ≥ 0.5).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="feature_rho_rise",
        expect=AtLeast(0.5),
        why="Ours (C4, d_in = 8).",
        figure="mechanisms"),
    _claim(
        "kernel_run_no_alignment",
        statement="Kernel-scaled init: |cos θ∞| stays O(d^{-1/2}) (≤ 3/√d).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="kernel_cos_final_sqrt_d",
        expect=AtMost(3.0),
        why="Ours (C4): predicted 1/√(d+1), 3x margin for seeds.",
        figure="mechanisms"),
    _claim(
        "kernel_run_ntk_frozen",
        statement="Kernel-scaled init: |K∞/K0 − 1| ≤ 5/d.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"),
        experiment="alignment",
        metric="kernel_ntk_change_times_d",
        expect=AtMost(5.0),
        why="Ours (C4): predicted |1 − f0²|/(2d), f0 ~ N(0,1).",
        figure="mechanisms"),
)
C5 = (
    _claim(
        "disalignment_cos_decreases",
        statement="|f0| = 4|a|: |cos θ| decreases monotonically.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (2), mapping inferred"),
        experiment="disalignment",
        metric="cos_max_increase",
        expect=AtMost(1e-6),
        why="Ours (C5): 1e-6 numerical noise per record step.",
        figure="mechanisms"),
    _claim(
        "disalignment_ntk_shrinks",
        statement="|f0| > |a|: the NTK decreases (K∞ < K0).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (2), mapping inferred"),
        experiment="disalignment",
        metric="max_kT_over_k0",
        expect=AtMost(1.0),
        why="Ours (C5); predicted K∞/K0 = 14/16 for the hand-picked init.",
        figure="mechanisms"),
    _claim(
        "disalignment_ntk_identity",
        statement="K∞² − K0² = 4η_uη_wκ²(a² − f0²).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (2), mapping inferred"),
        experiment="disalignment",
        metric="ntk_sq_change_rel_err",
        expect=AtMost(1e-3),
        why="Ours (C5): 1e-3 relative (GD at h·K = 1e-3).",
        figure="mechanisms"),
    _claim(
        "disalignment_finite_width",
        statement="For random large init the relative NTK drop shrinks like 1/d "
         "(disalignment is a finite-width effect).",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (2), mapping inferred"),
        experiment="disalignment",
        metric="drop_slope",
        expect=Between(-1.15, -0.85),
        why="Ours (C5): slope −1 ± 0.15; 100 draws per width (20 first planned) put the slope's noise at ~0.03.",
        figure="mechanisms"),
)
C6 = (
    _claim(
        "rescaling_angle_frozen",
        statement="u0 ∥ w0: the angle stays frozen (|cos θ| = 1) while the output is learned.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (3), mapping inferred"),
        experiment="rescaling",
        metric="min_abs_cos",
        expect=AtLeast(1 - 1e-9),
        why="Ours (C6): 1e-9 (GD keeps u, w in span{v} up to rounding).",
        figure="mechanisms"),
    _claim(
        "rescaling_norms_match",
        statement="u0 ∥ w0: final |u|, |w| match the closed form.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (3), mapping inferred"),
        experiment="rescaling",
        metric="final_norm_rel_err",
        expect=AtMost(1e-3),
        why="Ours (C6): 1e-3.",
        figure="mechanisms"),
    _claim(
        "rescaling_hyperbola",
        statement="Norm growth follows η_w|u|² − η_u|w|² = const: Δ|w|²/Δ|u|² = η_w/η_u.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (3), mapping inferred"),
        experiment="rescaling",
        metric="growth_ratio_rel_err",
        expect=AtMost(1e-3),
        why="Ours, from C1 conservation: O(h·K) GD drift, 1e-3.",
        figure="mechanisms"),
    _claim(
        "rescaling_faster_layer_grows",
        statement="The layer with the larger learning rate absorbs more of the growth.",
        source=Source("derived", MODEL + ABSTRACT_MECH + " — (3), mapping inferred"),
        experiment="rescaling",
        metric="larger_lr_grows_more",
        expect=AtLeast(1.0),
        why="Ours (C6): must hold in every unequal-lr run.",
        figure="mechanisms"),
)
_C7_SRC = Source("paper", "abstract (v3): mechanisms 'also manifest in deep nonlinear networks handling "
                 "real-world tasks'; setup and thresholds ours (provisional)")
_C7_SKIP = ("a smoke-size MLP (tens of steps) cannot show these directional effects; "
             "tests/papers/test_three_mechanisms.py runs the experiment on both backends at 5 steps")
_C7_NOTE = ("Provisional thresholds set before the first run, kept as written. Fast profile: 300 SGD steps; the "
            "alpha = 0.25 run is still on its small-init plateau (test acc 0.2-0.4), see README.")
C7 = (
    _claim(
        "mlp_small_init_alignment",
        statement="Small init: kernel–target alignment of penultimate features rises by ≥ 0.1.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="small_init_kta_gain",
        expect=AtLeast(0.1),
        why="Ours (C7, provisional).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note=_C7_NOTE,
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_alignment_vs_large_init",
        statement="Small-init KTA gain is ≥ 2x the large-init gain.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="kta_gain_small_minus_2x_large",
        expect=AtLeast(0.0),
        why="Ours (C7, provisional); metric gain_s − 2·max(gain_l, 0).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note=_C7_NOTE,
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_large_init_disalignment",
        statement="Large init: readout–feature cosine or ‖K‖_F drops by ≥ 10 %.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="large_init_disalignment",
        expect=AtLeast(0.1),
        why="Ours (C7, provisional).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note="",
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_kernel_at_large_width",
        statement="NTK parameterisation: relative NTK change at the largest width is ≤ 0.5x "
         "that at the smallest.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="ntk_change_width_ratio",
        expect=AtMost(0.5),
        why="Ours (C7: widths 1024 vs 64); fast profile "
         "compares 512 vs 64 (predicted √(64/512) = 0.35 for kernel scaling).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note="",
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_rescaling_feature_run",
        statement="Small-init (feature-learning) run: some layer's norm changes by "
         "|log ratio| ≥ 0.1.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="rescaling_feature_logratio",
        expect=AtLeast(0.1),
        why="Ours (C7, provisional).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note=_C7_NOTE,
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_rescaling_kernel_run",
        statement="Largest-width NTK run: every layer's |log norm ratio| ≤ 0.05.",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="rescaling_kernel_logratio",
        expect=AtMost(0.05),
        why="Ours (C7, provisional).",
        seeds=3,
        must_hold=3,
        figure="mlp_digits",
        note="",
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
    _claim(
        "mlp_large_init_hurts",
        statement="Large init (alpha = 4) tests worse than alpha ≤ 1 (v1 abstract only).",
        source=_C7_SRC,
        experiment="mlp_digits",
        metric="acc_gap_small_minus_large",
        expect=AtLeast(0.001),
        why="Ours (C7, optional claim of the v1 abstract), 2 of 3 seeds; 0.001 ≈ one "
         "test digit of 540.",
        seeds=3,
        must_hold=2,
        figure="mlp_digits",
        note="At its stable lr the alpha = 4 run barely trains in 300 steps, so this "
         "passes for an optimisation reason, not a generalisation one.",
        profiles=("fast", "full"),
        skip_why=_C7_SKIP),
)

CLAIMS = C1 + C2 + C3 + C4 + C5 + C6 + C7
