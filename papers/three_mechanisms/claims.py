"""Claims C1–C7 of Xu & Ziyin (arXiv 2401.07085v3) as checkable statements (pure data).

Only the abstract and the opening of the introduction of the paper could be read (see README), so
section/figure numbers are not given; quantitative statements come from the model's exact solution
derived in shared/papers/three_mechanisms.md §2 and are marked `derived`.
"""
from claimbench.claims import AtLeast, AtMost, Between, Claim, Source
from claimbench.registry import Paper

PAPER = Paper(title="Three Mechanisms of Feature Learning in a Linear Network", authors="Yizhou Xu, Liu Ziyin",
              arxiv="2401.07085v3", venue="ICLR 2025")

P = "three_mechanisms."
ABSTRACT_EXACT = "abstract (v3): 'an exact solution ... across any finite width ... from any initialization'"
ABSTRACT_PHASE = "abstract (v3): 'a detailed phase diagram' over width, layer-wise lrs, output and init scale"
ABSTRACT_MECH = "abstract (v3): mechanisms (1) alignment, (2) disalignment, (3) rescaling"
MODEL = "closed form of the model (spec §2); "


def _c(name, statement, source, experiment, metric, expect, why, *, seeds=3, must_hold=3, figure=None, note="",
       profiles=("smoke", "fast", "full"), skip_why=""):
    return Claim(id=P + name, statement=statement, source=source, experiment=experiment, metric=metric,
                 expect=expect, why=why, seeds=seeds, must_hold=must_hold, figure=figure, note=note,
                 profiles=profiles, skip_why=skip_why)


C1 = (
    _c("exact_solution_matches_gd", "The closed-form trajectory f(t) equals simulated GD at every width "
       "(1, 4, 16, 256), lr ratio and init scale.", Source("derived", MODEL + ABSTRACT_EXACT), "exact_vs_gd",
       "max_rel_err_f", AtMost(1e-3), "Spec C1 threshold. Euler's global error is O(h·K) (h·K_max = 1e-3); the "
       "spec expected a 30x margin, we measure ~3e-4 (d = 1 large-init runs whose f changes sign dominate), "
       "so the margin is ~3-7x.", figure="exact_vs_gd"),
    _c("exact_weights_match_gd", "The closed-form weights u(t), w(t) equal simulated GD.",
       Source("derived", MODEL + ABSTRACT_EXACT), "exact_vs_gd", "max_rel_err_weights", AtMost(1e-3),
       "Same O(h·K) Euler error as f. Error is max_t‖Δu‖/max_t‖u‖ (not pointwise: w passes through 0 when "
       "f0 < 0 < a, where a pointwise ratio is unbounded for any step).", figure="exact_vs_gd"),
    _c("gd_error_first_order", "Doubling the GD step doubles the deviation from the closed form "
       "(first-order Euler convergence to the exact flow).", Source("derived", MODEL + "Euler is first order"),
       "exact_vs_gd", "order_ratio_worst", Between(1.7, 2.3), "Spec C1: ratio in [1.7, 2.3] for first order. "
       "We compare h with 2h (same horizon) instead of h with h/2: a third of the steps, same test.",
       figure="exact_vs_gd"),
    _c("conserved_quantities_gd", "η_w|u|² − η_u|w|² and |u|²|w|² − (u·w)² stay constant along GD.",
       Source("derived", "spec §2 conservation laws"), "exact_vs_gd", "max_conserved_drift_gd", AtMost(1e-3),
       "Spec C1: relative drift ≤ 1e-3; GD breaks the laws at O(h²) per step, O(h·K) overall."),
    _c("closed_form_matches_ode_solver", "The closed form agrees with an adaptive ODE solver to 1e-8.",
       Source("derived", MODEL + "scipy solve_ivp DOP853 reference"), "exact_vs_gd", "max_err_exact_vs_ode",
       AtMost(1e-8), "Spec C1. The reference runs at rtol 1e-12 (not the spec's 1e-10): at 1e-10 the "
       "solver's own error reaches 1e-8 on the d = 1 small-init runs; at 1e-12 agreement is ~1e-10."),
)

C2 = (
    _c("ntk_identity_ode", "K² − 4η_uη_wκ²f² is constant along the gradient flow (adaptive ODE solver), so "
       "the NTK changes only through the output.", Source("derived", "spec §2 key identity"), "exact_vs_gd",
       "q_drift_ode", AtMost(1e-6), "Spec C2 (solver): ≤ 1e-6 relative to max K²; solver error is ~1e-12."),
    _c("ntk_identity_gd", "K² − 4η_uη_wκ²f² is constant along gradient descent (h·K = 1e-3).",
       Source("derived", "spec §2 key identity"), "exact_vs_gd", "q_drift_gd", AtMost(1e-3),
       "Spec C2 (GD): ≤ 1e-3 at h·K = 1e-3 (O(h·K) Euler drift), relative to max K²."),
)

C3 = (
    _c("kernel_phase_exponent", "In the kernel phase ΔK/K0 ∝ d^{E_χ}: fitted log-log slopes match E_χ = "
       "c_u + c_w + 2q − 2 − 2max(c_u − p_w, c_w − p_u) (NTK, SP-scalar, lr-imbalanced MF).",
       Source("derived", MODEL + ABSTRACT_PHASE), "phase_diagram", "kernel_slope_max_err", AtMost(0.1),
       "Spec C3 (i): ±0.1; d ≥ 64 and f0 = 0 inits leave O(d^{-1/2}) noise in the means (a few 0.01).",
       figure="phase_diagram"),
    _c("critical_kernel_change_constant", "At E_χ = 0 (mean-field) the kernel change ΔK/K0 is O(1) and "
       "width-independent (√2 − 1 for a = 1).", Source("derived", MODEL + ABSTRACT_PHASE), "phase_diagram",
       "critical_rel_spread", AtMost(0.1), "Spec C3 (ii): < 10 % spread over d = 64..4096; the O(1/d) "
       "finite-width correction is ~4 % at d = 64.", figure="phase_diagram"),
    _c("phase_boundary", "Kernel vs feature-learning phase is decided by q + p = 1 + |c_u − c_w|/2 on the "
       "(q, p) grid.", Source("derived", MODEL + ABSTRACT_PHASE), "phase_diagram", "phase_agreement",
       AtLeast(0.95), "Spec C3 (iii): ≥ 95 % of cells at distance ≥ 0.25 from the line; kernel = slope < −0.125.",
       figure="phase_diagram"),
    _c("orthogonal_anchors", "Orthogonal deterministic inits give ΔK/K0 = √(1 + χ²) − 1 exactly "
       "(NTK: √(1 + 1/d) − 1, MF: √2 − 1).", Source("derived", "spec §5"), "phase_diagram",
       "anchor_max_rel_err", AtMost(1e-6), "Spec C3 (iv): 1e-6; both sides are closed forms (float64)."),
    _c("phase_gd_confirmation", "Gradient descent at d = 1024 reproduces the closed-form kernel change in "
       "every named parameterization.", Source("derived", MODEL + "GD check of C3"), "phase_gd",
       "gd_dk_rel_err", AtMost(1e-2), "Ours: ΔK is a small difference in kernel cells, so allow 10x the "
       "O(h·K) = 1e-3 Euler error, relative to ΔK itself.", seeds=1, must_hold=1),
)

C4 = tuple(
    _c(name, statement, Source("derived", MODEL + ABSTRACT_MECH + " — (1), mapping inferred"), "alignment",
       metric, expect, why, figure="mechanisms")
    for name, statement, metric, expect, why in (
        ("alignment_cos_final", "Small init: u and Wn align (|cos θ∞| ≥ 0.9).", "feature_cos_final",
         AtLeast(0.9), "Spec C4: predicted a/√(κ²C2 + a²) ≈ 1 for small init."),
        ("alignment_cos_theory", "Small init: final |cos θ| equals a/√(κ²C2 + a²).",
         "feature_cos_vs_theory_err", AtMost(1e-3), "Spec C4: 1e-3 (GD at h·K = 1e-3, t = 30/K∞)."),
        ("alignment_ntk_grows", "Small init: the NTK grows (K∞/K0 ≥ 2).", "feature_ntk_ratio", AtLeast(2.0),
         "Spec C4."),
        ("alignment_first_layer_concentrates", "Small init: W concentrates on the data direction "
         "(ρ_W = |Wn|²/‖W‖² rises by ≥ 0.5).", "feature_rho_rise", AtLeast(0.5), "Spec C4 (d_in = 8)."),
        ("kernel_run_no_alignment", "Kernel-scaled init: |cos θ∞| stays O(d^{-1/2}) (≤ 3/√d).",
         "kernel_cos_final_sqrt_d", AtMost(3.0), "Spec C4: predicted 1/√(d+1), 3x margin for seeds."),
        ("kernel_run_ntk_frozen", "Kernel-scaled init: |K∞/K0 − 1| ≤ 5/d.", "kernel_ntk_change_times_d",
         AtMost(5.0), "Spec C4: predicted |1 − f0²|/(2d), f0 ~ N(0,1)."),
    )
)

C5 = tuple(
    _c(name, statement, Source("derived", MODEL + ABSTRACT_MECH + " — (2), mapping inferred"), "disalignment",
       metric, expect, why, figure="mechanisms")
    for name, statement, metric, expect, why in (
        ("disalignment_cos_decreases", "|f0| = 4|a|: |cos θ| decreases monotonically.", "cos_max_increase",
         AtMost(1e-6), "Spec C5: 1e-6 numerical noise per record step."),
        ("disalignment_ntk_shrinks", "|f0| > |a|: the NTK decreases (K∞ < K0).", "max_kT_over_k0",
         AtMost(1.0), "Spec C5; predicted K∞/K0 = 14/16 for the hand-picked init."),
        ("disalignment_ntk_identity", "K∞² − K0² = 4η_uη_wκ²(a² − f0²).", "ntk_sq_change_rel_err",
         AtMost(1e-3), "Spec C5: 1e-3 relative (GD at h·K = 1e-3)."),
        ("disalignment_finite_width", "For random large init the relative NTK drop shrinks like 1/d "
         "(disalignment is a finite-width effect).", "drop_slope", Between(-1.15, -0.85),
         "Spec C5: slope −1 ± 0.15; 100 draws per width (spec: 20) put the slope's noise at ~0.03."),
    )
)

C6 = tuple(
    _c(name, statement, Source("derived", MODEL + ABSTRACT_MECH + " — (3), mapping inferred"), "rescaling",
       metric, expect, why, figure="mechanisms")
    for name, statement, metric, expect, why in (
        ("rescaling_angle_frozen", "u0 ∥ w0: the angle stays frozen (|cos θ| = 1) while the output is learned.",
         "min_abs_cos", AtLeast(1 - 1e-9), "Spec C6: 1e-9 (GD keeps u, w in span{v} up to rounding)."),
        ("rescaling_norms_match", "u0 ∥ w0: final |u|, |w| match the closed form.", "final_norm_rel_err",
         AtMost(1e-3), "Spec C6: 1e-3."),
        ("rescaling_hyperbola", "Norm growth follows η_w|u|² − η_u|w|² = const: Δ|w|²/Δ|u|² = η_w/η_u.",
         "growth_ratio_rel_err", AtMost(1e-3), "Ours, from C1 conservation: O(h·K) GD drift, 1e-3."),
        ("rescaling_faster_layer_grows", "The layer with the larger learning rate absorbs more of the growth.",
         "larger_lr_grows_more", AtLeast(1.0), "Spec C6: must hold in every unequal-lr run."),
    )
)

_C7_SRC = Source("paper", "abstract (v3): mechanisms 'also manifest in deep nonlinear networks handling "
                 "real-world tasks'; setup and thresholds ours (spec C7, provisional)")
_C7_SKIP = ("a smoke-size MLP (tens of steps) cannot show these directional effects; "
             "tests/papers/test_three_mechanisms.py runs the experiment on both backends at 5 steps")
_C7_NOTE = ("Provisional spec thresholds, kept as written. Fast profile: 300 SGD steps; the alpha = 0.25 run is "
            "still on its small-init plateau (test acc 0.2-0.4), see README.")
C7 = tuple(
    _c(name, statement, _C7_SRC, "mlp_digits", metric, expect, why, seeds=3, must_hold=k, figure="mlp_digits",
       note=note, profiles=("fast", "full"), skip_why=_C7_SKIP)
    for name, statement, metric, expect, why, k, note in (
        ("mlp_small_init_alignment", "Small init: kernel–target alignment of penultimate features rises by ≥ 0.1.",
         "small_init_kta_gain", AtLeast(0.1), "Spec C7 (provisional).", 3, _C7_NOTE),
        ("mlp_alignment_vs_large_init", "Small-init KTA gain is ≥ 2x the large-init gain.",
         "kta_gain_small_minus_2x_large", AtLeast(0.0), "Spec C7 (provisional); metric gain_s − 2·max(gain_l, 0).",
         3, _C7_NOTE),
        ("mlp_large_init_disalignment", "Large init: readout–feature cosine or ‖K‖_F drops by ≥ 10 %.",
         "large_init_disalignment", AtLeast(0.1), "Spec C7 (provisional).", 3, ""),
        ("mlp_kernel_at_large_width", "NTK parameterisation: relative NTK change at the largest width is ≤ 0.5x "
         "that at the smallest.", "ntk_change_width_ratio", AtMost(0.5), "Spec C7 (1024 vs 64); fast profile "
         "compares 512 vs 64 (predicted √(64/512) = 0.35 for kernel scaling).", 3, ""),
        ("mlp_rescaling_feature_run", "Small-init (feature-learning) run: some layer's norm changes by "
         "|log ratio| ≥ 0.1.", "rescaling_feature_logratio", AtLeast(0.1), "Spec C7 (provisional).", 3, _C7_NOTE),
        ("mlp_rescaling_kernel_run", "Largest-width NTK run: every layer's |log norm ratio| ≤ 0.05.",
         "rescaling_kernel_logratio", AtMost(0.05), "Spec C7 (provisional).", 3, ""),
        ("mlp_large_init_hurts", "Large init (alpha = 4) tests worse than alpha ≤ 1 (v1 abstract only).",
         "acc_gap_small_minus_large", AtLeast(0.001), "Spec C7 optional v1 claim, 2 of 3 seeds; 0.001 ≈ one "
         "test digit of 540.", 2, "At its stable lr the alpha = 4 run barely trains in 300 steps, so this "
         "passes for an optimisation reason, not a generalisation one."),
    )
)

CLAIMS = C1 + C2 + C3 + C4 + C5 + C6 + C7
