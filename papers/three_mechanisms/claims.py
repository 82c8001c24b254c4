"""Claims C1–C7 of Xu & Ziyin (arXiv 2401.07085v3) as checkable statements (pure data).

C1–C6: the abstract and the opening of the introduction were readable, the body was not (see README), so
their quantitative statements come from the model's exact solution, derived by us in the README's "Model
and derivation" section, and are marked `derived`. C7 cites the v3 Figures 1-3 as third-party quotes of
the v3 body describe them; the settings are ours. Thresholds are ours; `why` says where each comes from.
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
_FIG1 = ("v3 Fig. 1: wide two-layer nets (linear, ReLU, leaky ReLU, sigmoid, swish) on a regression task, "
         "ζ over training in an alignment and a disalignment case; width, data, init and steps ours")
_FIG2 = ("v3 Fig. 2: four-layer ReLU FCN on MNIST at several init scales; digits, sizes, step rule and the "
         "pair alignment ζ̄ ours")
_FIG3 = ("v3 Fig. 3: two-layer ReLU FCN on CIFAR-10, 'a larger initialization leads to worse performance'; "
         "digits, sizes and the equal-train-loss protocol ours")
_MLP_SKIP = ("the digits MLPs need hundreds of SGD steps to reach their loss targets; "
             "tests/papers/test_three_mechanisms.py compares the backends' curves at smoke size")


def _c7(name: str, experiment: str, figure: str, **fields) -> Claim:
    """A C7 claim; the digits-MLP claims (Figs. 2, 3) run in the fast and full profiles only."""
    if experiment != "two_layer_fig1":
        fields = {"profiles": ("fast", "full"), "skip_why": _MLP_SKIP, **fields}
    return _claim(name, experiment=experiment, figure=figure, **fields)


C7A = (
    _c7("twolayer_linear_zeta_matches_theory", "two_layer_fig1", "fig1_two_layer",
        statement="Linear two-layer net: measured ζ(t) = cos(u, w) follows the closed form in both cases.",
        source=Source("paper", _FIG1 + " (theory as lines, experiments as points; our closed form stands in "
                      "for the paper's eq. (14), which could not be read)"),
        metric="linear_zeta_theory_err", expect=AtMost(1e-2),
        why="Ours: GD with h = c/K is Euler on the flow, error ∝ c (measured 1e-4 / 1.2e-3 at c = 0.02, "
            "0.5e-3 / 3e-3 at c = 0.05); 1e-2 keeps an 8x margin and still fails on a wrong gradient or "
            "time axis (ζ moves by 0.3-1 in both cases)."),
    _c7("twolayer_alignment_all_activations", "two_layer_fig1", "fig1_two_layer",
        statement="Alignment case (small init, |f0| ≪ |a|): ζ rises from O(d^-1/2) to ≥ 0.9 for every activation.",
        source=Source("paper", _FIG1), metric="align_zeta_final_min", expect=AtLeast(0.9),
        why="Ours: the linear theory gives 1 − O(1e-8); 0.9 leaves room for the nonlinear nets, which have "
            "no closed form (measured ≥ 0.9998 in the prototypes)."),
    _c7("twolayer_disalignment_all_activations", "two_layer_fig1", "fig1_two_layer",
        statement="Disalignment case (|f0| = 4|y|): ζ falls to at most half its initial value for every "
                  "activation.",
        source=Source("paper", _FIG1), metric="dis_zeta_ratio_max", expect=AtMost(0.5),
        why="Ours: for this init (ρ = 0.5, y = f0/4) the linear theory gives ζ∞/ζ0 ≈ 0.30; 0.5 is a 1.6x "
            "margin for the nonlinear nets (prototypes 0.30-0.34)."),
    _c7("twolayer_zeta_monotone", "two_layer_fig1", "fig1_two_layer",
        statement="ζ moves one way in each case: no recorded step of ζ goes against the case's direction "
                  "by more than 1e-4.",
        source=Source("paper", _FIG1 + " (monotone curves; the threshold is ours)"),
        metric="zeta_wrong_way_max", expect=AtMost(1e-4),
        why="Ours: the linear flow is monotone (cos²θ = s²/(C2 + s²), s monotone); 1e-4 allows GD's "
            "discretisation in the nonlinear nets (prototypes ≤ 3e-6)."),
    _c7("twolayer_rescaling_zeta_frozen", "two_layer_fig1", "rescaling_two_layer",
        statement="An aligned, converged net trained on targets × 3 keeps its alignment: |Δζ| ≤ 1e-2.",
        source=Source("derived", "mechanism (3) of the abstract: for u ∥ w the angle is frozen (README, C6); "
                      "applied to the converged Fig. 1 nets"),
        metric="rescale_zeta_change_max", expect=AtMost(1e-2),
        why="Ours: the linear theory gives |Δζ| ~ 1e-8 (C2 ≈ 0); prototypes ≤ 1e-3 (sigmoid, cap-limited)."),
    _c7("twolayer_rescaling_norms_grow", "two_layer_fig1", "rescaling_two_layer",
        statement="In that rescaling run the norms carry the change: |u||w| grows ≥ 2.5x for targets × 3.",
        source=Source("derived", "f = κ|u||w|ζ with ζ frozen needs |u||w| × 3 (README, C7a)"),
        metric="rescale_norm_growth_min", expect=AtLeast(2.5),
        why="Ours: exactly 3 for the linear net at convergence; 2.5 allows a cap-limited nonlinear run."),
)
C7B = (
    _c7("deep_mlp_small_init_aligns", "deep_mlp_fig2", "fig2_deep_mlp",
        statement="Four-layer ReLU MLP, smallest init scale: the mean layer alignment ζ̄ grows ≥ 1.5x by the "
                  "time the train loss reaches its target.",
        source=Source("paper", _FIG2), metric="deep_small_init_zeta_ratio", expect=AtLeast(1.5),
        why="Ours: prototypes 1.85-1.89 at width 128 (1.64 at 512: a fixed α drifts toward the kernel regime "
            "as width grows)."),
    _c7("deep_mlp_large_init_no_alignment", "deep_mlp_fig2", "fig2_deep_mlp",
        statement="Largest init scale: ζ̄ does not grow (ζ̄_T/ζ̄_0 ≤ 1.05).",
        source=Source("paper", _FIG2), metric="deep_large_init_zeta_ratio", expect=AtMost(1.05),
        why="Ours: kernel-like training leaves the weights near init (prototypes 1.000 ± 0.002)."),
    _c7("deep_mlp_alignment_ordered_by_init", "deep_mlp_fig2", "fig2_deep_mlp",
        statement="The alignment gain ζ̄_T/ζ̄_0 decreases strictly with the init scale.",
        source=Source("paper", _FIG2), metric="deep_zeta_ratio_min_drop", expect=AtLeast(0.02),
        why="Ours: each larger α lowers the ratio by ≥ 0.02, above its seed-to-seed spread (≈ 0.01)."),
)
C7C = (
    _c7("two_layer_relu_large_init_generalizes_worse", "shallow_relu_fig3", "fig3_two_layer_relu",
        statement="Two-layer ReLU MLP: at equal train loss, the largest init scale has ≥ 2 % higher test "
                  "loss than the smallest.",
        source=Source("paper", _FIG3 + "; performance read as test MSE"),
        metric="shallow_test_loss_ratio", expect=AtLeast(1.02),
        why="Ours: seed-to-seed spread of the test loss at fixed α is ≤ 0.8 % (prototypes), so 2 % is more "
            "than two spreads."),
    _c7("two_layer_relu_generalization_ordered_by_init", "shallow_relu_fig3", "fig3_two_layer_relu",
        statement="At equal train loss the test loss increases strictly with the init scale.",
        source=Source("paper", _FIG3 + "; performance read as test MSE"),
        metric="shallow_test_loss_min_rise", expect=AtLeast(0.0),
        why="Ours: the order itself (log test-loss steps between consecutive α must be positive)."),
    _c7("two_layer_relu_large_init_lower_test_acc", "shallow_relu_fig3", "fig3_two_layer_relu",
        statement="At equal train loss the largest init scale has a lower test accuracy than the smallest "
                  "(by at least one test digit of 540).",
        source=Source("paper", _FIG3 + "; performance read as test accuracy"),
        metric="shallow_test_acc_drop", expect=AtLeast(0.002), seeds=3, must_hold=2,
        why="Ours: about one digit of the 540-image test split (1/540 = 0.00185); 2 of 3 seeds, since accuracy "
            "moves in 1/540 steps.",
        note="Fast profile: at train loss 0.1 the α = 2 net tests 0.1-0.8 points *better* than α = 0.5 in 3 of "
             "3 seeds, while its test loss is 3.6-4.8 % higher (the PASS above). All runs reached the loss "
             "(α = 2: 840-1080 steps), so this is no plateau: on digits at α ≤ 2 the larger init's worse fit "
             "shows in the outputs' squared error, not in their argmax. CIFAR-10 and larger α were not run."),
    _c7("two_layer_relu_small_init_aligns", "shallow_relu_fig3", "fig3_two_layer_relu",
        statement="Smallest init scale: the alignment ζ of W2·W1 grows ≥ 1.5x (mechanism (1) on real data).",
        source=Source("derived", "mechanism (1) of the abstract measured in the Fig. 3 setup (ours)"),
        metric="shallow_small_init_zeta_ratio", expect=AtLeast(1.5),
        why="Ours: prototypes 2.30-2.55."),
    _c7("two_layer_relu_large_init_disaligns", "shallow_relu_fig3", "fig3_two_layer_relu",
        statement="Largest init scale: ζ falls (ζ_T/ζ_0 ≤ 0.97; mechanism (2) on real data).",
        source=Source("derived", "mechanism (2) of the abstract measured in the Fig. 3 setup (ours)"),
        metric="shallow_large_init_zeta_ratio", expect=AtMost(0.97),
        why="Ours: prototypes 0.90-0.94 at α = 2."),
)
C7 = C7A + C7B + C7C

CLAIMS = C1 + C2 + C3 + C4 + C5 + C6 + C7
