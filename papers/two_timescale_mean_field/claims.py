"""Claims of Takakura & Suzuki (ICML 2024) as data; thresholds are ours, each with its reason in `why`."""
from claimbench.claims import AtLeast, AtMost, Between, Claim, Source
from claimbench.registry import Paper

PAPER = Paper(title="Mean-field Analysis on Two-layer Neural Networks from a Kernel Perspective",
              authors="Shokichi Takakura, Taiji Suzuki", arxiv="2403.14917v2", venue="ICML 2024")

S = "two_timescale_mean_field"
SEED_RULE = ("per seed in every seed, which is stricter than the paper's statement about curves averaged "
             "over 5 seeds (Sec. 6)")

CLAIMS = (
    Claim(id=f"{S}.c1_objective_converges",
          statement="MFLD with the exact second layer converges: by mid-run (t = T/2) G(mu_t) = G_data + G_reg "
                    "has made at least 90 % of its decrease over the whole run (sigma = 0 run of Fig. 1).",
          source=Source("paper", "Sec. 3, Thm 3.1 (G is convex) and Thm 3.7 (linear convergence of MFLD to "
                                 "the minimiser of G + lambda Ent, up to O(eta + 1/N))"),
          experiment="noise_levels", metric="objective_settle_fraction", expect=AtLeast(0.9),
          why="Thm 3.7's rate and limit G(mu*) are not known numerically, so a value of G(T)/G(0) is not the "
              "paper's; its shape is: the decrease is (nearly) complete well before T (still descending "
              "linearly would give ~0.45). Windows of T/10 average the Langevin noise. 0.9 is our threshold, "
              "set after exploratory runs at the paper's constants measured 0.974-0.995 (n = 200-300)",
          seeds=3, must_hold=3, figure="objective_vs_steps"),
    Claim(id=f"{S}.c1_particle_error_rate",
          statement="The gap |G_N(T) - G_Nmax(T)| decays roughly like 1/N (particle discretisation).",
          source=Source("paper", "Sec. 3, Thm 3.7 (error O(1/N + eta)) and Prop. 3.8 (kernel O(1/N))"),
          experiment="particles", metric="particle_gap_slope", expect=Between(-1.5, -0.5),
          why="the paper gives an upper bound O(1/N), read here as a rate: slope -1 within +-0.5 "
              "(our tolerance)",
          seeds=5, must_hold=4, profiles=("full",), figure="particle_gap",
          skip_why="needs N up to 4000 and long runs to separate the 1/N bias from Langevin noise (GPU)"),
    Claim(id=f"{S}.c2_kernel_aligns_with_target",
          statement="The learned kernel aligns with the clean target: A(K_T, f*) >= 3 A(K_0, f*) at sigma = 0.",
          source=Source("paper", "Sec. 5.1, Def. 5.1 (alignment) and Thm 5.4 (O(1/sqrt d) -> Omega(1)); "
                                 "Sec. 6, Fig. 1 ('kernel moves to increase the kernel alignment')"),
          experiment="noise_levels", metric="align_gain", expect=AtLeast(3.0),
          why="Thm 5.4 is an order statement (1/sqrt(15) ~ 0.26 at init vs Omega(1)) for a single-index "
              "target; 3x in every seed is our rule for 'increases clearly' (exploratory runs at the "
              "paper's constants: 3.0-5.6)",
          seeds=3, must_hold=3, figure="fig1_alignment_df"),
    Claim(id=f"{S}.c2_df_rises_during_training",
          statement="The degrees of freedom of the learned kernel increase during training at every intrinsic "
                    "noise level: min over sigma of df(K_T) - df(K_0) >= 0.",
          source=Source("paper", "Sec. 6, Fig. 1 ('kernel moves to increase the kernel alignment and the "
                                 "degrees of freedom')"),
          experiment="noise_levels", metric="df_rise_min", expect=AtLeast(0.0),
          why="a sign (ordering) claim on each curve of Fig. 1, so the threshold is 0; " + SEED_RULE,
          seeds=3, must_hold=3, figure="fig1_alignment_df",
          note="Does not reproduce at the paper's constants on the fast profile (n = 300, N = 200, T = 2000): "
               "at sigma = 0 df falls slightly in every seed (-0.27, -0.71, -0.97 of ~98, i.e. < 1 %), while at "
               "sigma = 2 it rises slightly (+0.47, +0.72, +0.67; df_rise_high_noise). From a small mu_0 (std "
               "1/sqrt d, the same constants otherwise) df rose strongly in exploratory runs (32 -> 84 at "
               "n = 200), so Fig. 1 may start from a smaller mu_0 than the text's nu = N(0, 4I). The full "
               "profile (N = 2000, T = 10^4) has not been run. See README."),
    Claim(id=f"{S}.c3_nn_beats_initial_kernel",
          statement="At d = 15, f* = x1 x2 the network's test MSE is below that of KRR with the initial "
                    "random-feature kernel k_{mu_0} (2000 features from mu_0, ridge tuned on a validation split).",
          source=Source("paper", "Sec. 4, Thm 4.4 (the network learns the union of RKHSs B_M) vs Thm 4.5 "
                                 "(any estimator on a fixed basis, of which k_{mu_0} is one, fails)"),
          experiment="noise_levels", metric="nn_over_init_kernel_d", expect=AtMost(1.0),
          why="the paper states an ordering (feature learning beats a fixed kernel), so the threshold is 1; "
              "the earlier 0.75 was our CPU rule at other constants, not the paper's. Ridge is tuned on clean "
              "validation targets, which favours the baseline",
          seeds=3, must_hold=3, figure="test_error_vs_kernels"),
    Claim(id=f"{S}.c3_nn_below_kernel_floor_on_cube",
          statement="On Thm 4.5's setting (x uniform on {-1,1}^d, f* = x1 x2, n <= C(d,2)/2; fast: d = 30, "
                    "n = 200; full: d = 40, n = 390) the network's test MSE is below 1 - n/C(d,2), the expected "
                    "error floor of every fixed kernel that is invariant under permutations of the coordinates.",
          source=Source("derived", "from Sec. 4, Thm 4.5 and App. C.4 (Lemma C.2's counting) with 2-sparse "
                                   "parities as the hard class; derivation in the README"),
          experiment="cube", metric="nn_over_floor", expect=AtMost(1.0),
          why="the floor is an exact expectation bound, so the ordering threshold is 1. The network starts from "
              "mu_0 with std 1/sqrt(d) (c3_init_scale = 1): Thm 4.4 concerns the minimiser of G, which MFLD "
              "reaches from any mu_0 (Thm 3.7), and from nu = N(0, 4I) it does not get there in a CPU budget",
          seeds=3, must_hold=3, figure="test_error_vs_kernels",
          note="From the text's mu_0 = N(0, 4I) the network did not learn the cube target in 2000 steps in "
               "exploratory runs (d = 30, n = 300: 1.11 vs floor 0.31); with std 1 it reached 0.67, still falling."),
    Claim(id=f"{S}.c3_initial_kernel_above_floor_on_cube",
          statement="On the same cube data, KRR with the network's initial kernel k_{mu_0} (2000 random features, "
                    "ridge tuned) stays at or above the floor 1 - n/C(d,2).",
          source=Source("derived", "checks the floor of c3_nn_below_kernel_floor_on_cube (Bessel over the "
                                   "C(d,2) parities; README)"),
          experiment="cube", metric="init_kernel_over_floor", expect=AtLeast(1.0),
          why="the floor bounds the expectation over data and features; a fixed kernel far below it in one "
              "seed would mean the derivation or the code is wrong. Tuning only the ridge keeps the prediction "
              "in span{k(., x_i)}, so the bound applies",
          seeds=3, must_hold=3, figure="test_error_vs_kernels"),
    Claim(id=f"{S}.c4_noise_raises_df",
          statement="Intrinsic label noise raises the degrees of freedom of the learned kernel: "
                    "df_T(sigma_max) > df_T(sigma = 0).",
          source=Source("paper", "Sec. 5.2 (E[U] = B - V: noise biases the dynamics towards large df); Sec. 6, "
                                 "Fig. 1 ('the intrinsic noise increases the degrees of freedom')"),
          experiment="noise_levels", metric="df_noise_gap", expect=AtLeast(0.0),
          why="a sign (ordering) claim; the comparison is paired (same X, mu_0 and Langevin noise); " + SEED_RULE,
          seeds=3, must_hold=3, figure="fig1_alignment_df"),
    Claim(id=f"{S}.c5_label_noise_shrinks_df",
          statement="The label-noise procedure lowers the degrees of freedom: df_T(sigma~_max) <= df_T(0).",
          source=Source("paper", "Sec. 5.2 (label-noise procedure: an implicit df penalty, Thm 5.5); Sec. 6, "
                                 "Fig. 2 ('the label noise procedure reduces the degrees of freedom')"),
          experiment="label_noise", metric="df_ratio", expect=AtMost(1.0),
          why="the paper states an ordering, so the threshold is 1 (the earlier 0.6 factor was ours; at the "
              "paper's constants df drops by only 2-3 %); paired runs; " + SEED_RULE,
          seeds=3, must_hold=3, figure="fig2_label_noise"),
    Claim(id=f"{S}.c5_label_noise_improves_test",
          statement="Some label-noise scale sigma~ > 0 lowers the test MSE by at least 5 % against sigma~ = 0.",
          source=Source("paper", "Sec. 6, Fig. 2 ('the test loss is also improved')"),
          experiment="label_noise", metric="best_test_mse_ratio", expect=AtMost(0.95),
          why="'improved' read as a paired gain of >= 5 % (our margin above run-to-run noise); " + SEED_RULE +
              "; the best sigma~ is picked on the test set, which is optimistic with a larger grid",
          seeds=3, must_hold=3, figure="fig2_label_noise"),
)
