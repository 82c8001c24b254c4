"""Claims of Takakura & Suzuki (ICML 2024) as data; thresholds are ours, each with its reason in `why`."""
from claimbench.claims import AtLeast, AtMost, Between, Claim, Source
from claimbench.registry import Paper

PAPER = Paper(title="Mean-field Analysis on Two-layer Neural Networks from a Kernel Perspective",
              authors="Shokichi Takakura, Taiji Suzuki", arxiv="2403.14917v2", venue="ICML 2024")

S = "two_timescale_mean_field"

CLAIMS = (
    Claim(id=f"{S}.c1_objective_converges",
          statement="MFLD with the exact second layer drives G(mu_t) = G_data + G_reg down to a small "
                    "fraction of G(mu_0) (linear convergence up to eta and 1/N errors).",
          source=Source("paper", "abstract: global convergence of MFLD in the two-timescale limit"),
          experiment="particles", metric="objective_ratio", expect=AtMost(0.25),
          why="theory gives rates, not constants: test the order; our first prototype measured 0.11 (4x margin)",
          seeds=3, must_hold=3, figure="objective_vs_steps"),
    Claim(id=f"{S}.c1_objective_monotone",
          statement="G(mu_t) is non-increasing up to Langevin noise: its 200-step rolling mean never rises "
                    "more than 1e-3 (relative) above its running minimum.",
          source=Source("derived", "G is a Lyapunov functional of MFLD (the abstract's convergence); entropy omitted"),
          experiment="particles", metric="objective_max_rolling_rise", expect=AtMost(1e-3),
          why="our rule; the 200-step window averages out the sqrt(2 lambda eta) noise at lambda=1e-3",
          seeds=3, must_hold=3, figure="objective_vs_steps"),
    Claim(id=f"{S}.c1_particle_error_rate",
          statement="The gap |G_N(T) - G_Nmax(T)| decays roughly like 1/N (propagation of chaos).",
          source=Source("paper", "abstract: particle discretization error"),
          experiment="particles", metric="particle_gap_slope",
          expect=Between(-1.5, -0.5),
          why="O(1/N) in objective value is an order statement: slope -1 within +-0.5 (our tolerance)",
          seeds=5, must_hold=4, profiles=("full",), figure="objective_vs_steps",
          skip_why="needs N up to 4000 and long runs to separate the 1/N bias from Langevin noise (GPU)"),
    Claim(id=f"{S}.c2_kernel_aligns_with_target",
          statement="The learned kernel aligns with the target: A(K_T, f*) >= 3 A(K_0, f*) at sigma = 0.",
          source=Source("paper", "Fig. 1 (left, as quoted by the ICML repro index): kernel alignment over training"),
          experiment="noise_levels", metric="align_gain", expect=AtLeast(3.0),
          why="our first prototype measured a 9x rise (0.011 -> 0.10); 3x in every seed replaces a cross-seed "
              "'mean rise > 5 std' rule, which a per-seed k-of-n verdict cannot express",
          seeds=5, must_hold=5, figure="fig1_alignment_df"),
    Claim(id=f"{S}.c3_nn_beats_initial_kernel",
          statement="At d = 15, n = 200 (f* = x1 x2) the network's test MSE is below 0.75x that of KRR with "
                    "the initial random-feature kernel (ridge tuned on a validation split).",
          source=Source("paper", "abstract: NNs learn a union of RKHSs more efficiently than any kernel method"),
          experiment="noise_levels", metric="nn_over_init_kernel_d", expect=AtMost(0.75),
          why="our CPU rule; our first prototype measured 0.43 vs 0.78 (ratio 0.55)",
          seeds=5, must_hold=4, figure="test_error_vs_kernels"),
    Claim(id=f"{S}.c3_nn_beats_rbf_kernel",
          statement="Where a rotation-invariant kernel needs n ~ d^2 samples (d = 30, n = 200 < d^2/4, "
                    "f* = x1 x2) the network's test MSE is below that of tuned RBF-KRR.",
          source=Source("paper", "abstract: kernel-method lower bound vs the NN's rate on a union of RKHSs"),
          experiment="baselines", metric="nn_over_rbf", expect=AtMost(1.0),
          why="the paper's statement is an ordering, so the threshold is 1; RBF bandwidth and ridge are "
              "tuned on a separate validation split (clean labels), which favours the baseline",
          seeds=3, must_hold=3, figure="test_error_vs_kernels",
          note="Does not reproduce on the fast profile: at d = 30, n = 200 the network (N = 200, 1000 steps) "
               "stays at the null MSE (0.99, 0.99, 1.16 vs predict-0 0.94, 0.95, 0.99) while tuned RBF-KRR "
               "already fits part of x1 x2 (0.70, 0.78, 0.68); 3000 steps at eta = 0.1 did not help (0.99). "
               "A degree-3 target at d = 15 is no test either: every method stays at the null MSE. At d = 15 "
               "tuned RBF-KRR learns x1 x2 almost exactly (0.025 vs the network's 0.63). See README."),
    Claim(id=f"{S}.c4_noise_raises_df",
          statement="Intrinsic label noise raises the degrees of freedom of the learned kernel: "
                    "df_T(sigma = 2) > df_T(sigma = 0).",
          source=Source("paper", "Fig. 1 (right, as quoted): intrinsic noise increases the degrees of freedom"),
          experiment="noise_levels", metric="df_noise_gap", expect=AtLeast(0.0),
          why="a sign (ordering) claim; the comparison is paired (same X, mu_0 and Langevin noise); "
              "4 of 5 seeds; our first prototype measured 67.6 vs 53.5",
          seeds=5, must_hold=4, figure="fig1_alignment_df"),
    Claim(id=f"{S}.c5_label_noise_shrinks_df",
          statement="The label-noise procedure shrinks the degrees of freedom: df_T(s_max) <= 0.6 df_T(0).",
          source=Source("paper", "abstract + Fig. 2 (as quoted): label noise penalises the degrees of freedom"),
          experiment="label_noise", metric="df_ratio", expect=AtMost(0.6),
          why="our rule; our first prototype measured 61.4 -> 19.3 (ratio 0.31) at s = 3",
          seeds=3, must_hold=3, figure="fig2_label_noise"),
    Claim(id=f"{S}.c5_df_monotone_in_label_noise",
          statement="df_T decreases monotonically in the label-noise scale s.",
          source=Source("paper", "Fig. 2 (as quoted): larger label noise, stronger penalty (s^2/6n)·df (derived)"),
          experiment="label_noise", metric="df_max_rel_increase", expect=AtMost(0.0),
          why="ordering claim: the largest step-to-step increase of df_T over sorted s must be <= 0; "
              "runs at different s are paired, so no noise allowance",
          seeds=3, must_hold=3, figure="fig2_label_noise"),
    Claim(id=f"{S}.c5_label_noise_improves_test",
          statement="Some label-noise scale s > 0 lowers the test MSE by at least 5 % against s = 0.",
          source=Source("paper", "Fig. 2 (as quoted): the label noise procedure improves the test loss"),
          experiment="label_noise", metric="best_test_mse_ratio", expect=AtMost(0.95),
          why="the rule 'MSE(s) <= MSE(0) - 2 seed-std' is cross-seed; runs at each s are paired "
              "(same data, mu_0, Langevin noise), so a >= 5 % paired gain in every seed is its per-seed "
              "analogue. s is picked on the test set (optimistic; our first prototype saw no gain)",
          seeds=3, must_hold=3, figure="fig2_label_noise",
          note="Partly reproduces on the fast profile: best-s test MSE / s = 0 test MSE is 0.888, 0.933, "
               "0.992 (best s = 2, 2, 1), so 2 of 3 seeds gain >= 5 %. The gain is largest early in training "
               "and shrinks by T = 1000 (Fig. 2 panel); our first CPU prototype saw s = 3 hurt (0.559 vs 0.506)."),
)
