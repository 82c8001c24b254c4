"""Claims of Jacot, "Bottleneck Structure in Learned Features" (arXiv 2305.19008v3), as data.

All claims read the one experiment `bottleneck` (a depth sweep trained once per seed, the net at
`depth` shared by C1/C2/C3a/C4b/C6). k = `rank` of the task; n = the realised middle-layer count.
Thresholds are those of shared/papers/bottleneck_rank.md unless `why` says otherwise.
"""
from claimbench.claims import AtLeast, AtMost, Between, Claim, Source
from claimbench.registry import Paper

PAPER = Paper(
    title="Bottleneck Structure in Learned Features: Low-Dimension vs Regularity Tradeoff",
    authors="Arthur Jacot",
    arxiv="2305.19008v3",
    venue="NeurIPS 2023",
)

_E = "bottleneck"
_ABSTRACT = "Abstract; Thm. on the bottleneck structure; Fig. 1"


def _c(name: str, statement: str, source: Source, metric: str, expect, why: str, seeds: int = 3,
       must_hold: int = 2, figure: str | None = None, profiles=("smoke", "fast", "full"), skip_why: str = "",
       note: str = "") -> Claim:
    return Claim(id=f"bottleneck_rank.{name}", statement=statement, source=source, experiment=_E,
                 metric=metric, expect=expect, why=why, seeds=seeds, must_hold=must_hold, figure=figure,
                 profiles=profiles, skip_why=skip_why, note=note)


_FULL = ("full",)
_NEEDS_FULL = "needs the paper's setting (L up to 35, width 200, λ = 2e-4): GPU, `--profile full --device auto`"

CLAIMS = (
    # ---- C1: singular-value bottleneck structure of the weights ----
    _c("c1_count_k_or_k_plus_1",
       "In >= 80% of the middle layers W_l has k or k+1 singular values > 0.5 (k = R^(0) of the task).",
       Source("paper", _ABSTRACT), "mid_frac_count_ok", AtLeast(0.8),
       "spec C1.1: 0.5 sits between ~1 and O(L^-1/2); +1 allowed at small L (k+1 measured for k=2,3 on CPU)",
       figure="weight_spectra"),
    _c("c1_top_values_near_one_low",
       "The k (or k+1) large singular values of the middle layers are >= 0.7.",
       Source("paper", _ABSTRACT), "mid_top_min", AtLeast(0.7),
       "spec C1.2: band [0.7, 1.5] around 1; λ > 0 and finite L bias the values (measured 1.07–1.34)",
       figure="weight_spectra"),
    _c("c1_top_values_near_one_high",
       "The k (or k+1) large singular values of the middle layers are <= 1.5.",
       Source("paper", _ABSTRACT), "mid_top_max", AtMost(1.5),
       "spec C1.2: band [0.7, 1.5]; s_1 ≈ exp(R^(1)/(2L))-like drift above 1 at small L", figure="weight_spectra"),
    _c("c1_gap_small_depth",
       "Median over middle layers of the largest 'small' singular value s_{n+1} is <= 0.3 (L <= 12).",
       Source("paper", _ABSTRACT), "mid_gap_sv", AtMost(0.3),
       "spec C1.3: 0.3 is 2–3x above the converged CPU values (0.00–0.20)", figure="weight_spectra",
       profiles=("smoke", "fast")),
    _c("c1_gap_paper_depth",
       "Median over middle layers of s_{n+1} is <= 0.2 at L = 25 (L^-1/2 = 0.2).",
       Source("paper", _ABSTRACT), "mid_gap_sv", AtMost(0.2),
       "spec C1.3 at L = 25: the theorem's O(L^-1/2) with constant 1", figure="weight_spectra",
       profiles=_FULL, skip_why=_NEEDS_FULL),
    _c("c1_small_values_depth_scaling",
       "Median s_{n+1}·sqrt(L) does not grow by more than 30% from the smallest to the largest depth.",
       Source("paper", _ABSTRACT), "gap_sqrtL_increase", AtMost(0.02),
       "spec C1.4 (upper bound O(L^-1/2), not equality); metric a(L_max) − 1.3 a(L_min) with 0.02 absolute "
       "slack because converged small values are ~0 where a relative test is meaningless",
       figure="weight_spectra", profiles=_FULL, skip_why=_NEEDS_FULL),
    # ---- C2: low-dimensional hidden representations ----
    _c("c2_mid_representation_rank_at_most_k_plus_1",
       "Middle-layer representations have centred 99%-energy rank <= k+1.",
       Source("paper", "Abstract; Fig. 1 (representations)"), "mid_r99_max_minus_k", AtMost(1),
       "spec C2: k+1 allowed (offset direction of ReLU features / finite-L tradeoff)",
       figure="representation_rank"),
    _c("c2_mid_representation_rank_k",
       "At least 50% of the middle-layer representations have centred r_99 = k (CPU, L = 12).",
       Source("paper", "Abstract; Fig. 1 (representations)"), "mid_frac_r99_eq_k", AtLeast(0.5),
       "spec C2 CPU rule at L = 12", figure="representation_rank", profiles=("smoke", "fast")),
    _c("c2_all_layers_rank_k",
       "At L = 25, >= 70% of all hidden representations have centred r_99 = k.",
       Source("paper", "Abstract; Fig. 1 (representations)"), "all_frac_r99_eq_k", AtLeast(0.7),
       "spec C2 full rule; first/last ~2 of 24 layers may be larger", figure="representation_rank",
       profiles=_FULL, skip_why=_NEEDS_FULL),
    # ---- C3: representation cost ≈ L R^(0) + R^(1), the pseudo-determinant bound ----
    _c("c3_logdet_bound",
       "‖W‖² − L·k >= 2 log|Jf(x)|_+ (top-k singular values) at every training input x.",
       Source("derived", "Horn + AM–GM on Jf = W_L D_{L-1} … D_1 W_1 (spec §2); R^(1) >= 2 log|Jf|_+ in the paper"),
       "c3_min_margin", AtLeast(-0.05),
       "a theorem for every θ; -0.05 only absorbs round-off, so a failure is a measurement bug",
       seeds=3, must_hold=3, figure="norm_vs_depth"),
    _c("c3_norm_slope_is_rank",
       "The least-squares slope of ‖W‖² against L over the depth sweep is within 0.5 of n.",
       Source("paper", "Sec. 1–3: R(f;L) = L R^(0) + R^(1) + O(1/L)"), "slope_minus_n", Between(-0.5, 0.5),
       "spec C3(b): slope = R^(0) realised as the middle-layer count n at the largest depth; ±0.5 separates "
       "n from n±1 (measured 0.93 for k = 1)", figure="norm_vs_depth"),
    _c("c3_excess_norm_bounded",
       "E(L) = ‖W‖² − L·n does not grow linearly: |E(L_max) − E(L_2)| < 0.25·n·(L_max − L_2).",
       Source("paper", "Sec. 1–3: R^(1) is depth-independent"), "excess_growth", AtMost(0.25),
       "spec C3(c) with L_2 = 12 and L_max = 35 (second-smallest and largest depth of the sweep)",
       figure="norm_vs_depth", profiles=_FULL, skip_why=_NEEDS_FULL),
    # ---- C4: NTK of order L and large learning rates ----
    _c("c4_ntk_trace_order_L",
       "Tr Θ(x,x)/L does not grow with depth: max over the sweep <= 1.25 x its value at the smallest L.",
       Source("paper", "Abstract: an O(L) NTK; Sec. 4"), "ntk_ratio_max", AtMost(1.25),
       "spec C4(a): Θ = O(L) is an upper bound, a decrease is allowed; 25% for finite-L noise",
       figure="ntk_vs_depth"),
    _c("c4_gd_edge_of_stability",
       "After full-batch GD at a large step η = c/L: η·λ_max(Θ)/N <= 1.1.",
       Source("paper", "Abstract: large learning rates are needed for an O(L) NTK"), "gd_big_eos", AtMost(1.1),
       "spec C4(b): GD on (1/N)Σ‖·‖² is stable only if η λ_max/N <= 1 (Hessian ≈ 2JᵀJ/N); 10% slack",
       figure="lr_runs",
       note="c_big = 0.3, not the spec's 0.5: our Adam checkpoints have λ_max/N ≈ 27–64 at L = 12, so 0.5/L starts "
            "at η·λ/N up to 2.6 > 2 and GD catapults to θ ≈ 0 (MSE = Var y); 0.3 starts at ≤ 1.6, like the spec's run"),
    _c("c4_gd_large_step_still_fits",
       "The large-step GD run still fits the data: MSE <= 10% of Var(y).",
       Source("derived", "guard for c4_gd_edge_of_stability: a collapsed net (f ≈ const) has a tiny NTK trivially"),
       "gd_big_mse_over_var", AtMost(0.1),
       "spec measured MSE 0.059 with Var(y) ≈ 2 (3%) while GD oscillates at the edge; 10% is 3x that",
       figure="lr_runs"),
    _c("c4_large_step_smaller_ntk",
       "GD at the large step ends with a smaller λ_max(Θ) than GD at a 10x smaller step.",
       Source("paper", "Abstract; Sec. 4: large learning rates select O(L)-NTK minima"), "gd_lmax_ratio",
       AtMost(1.0), "spec C4(c) direction check (the spec calls it informational; measured 16.8 vs 24.2)",
       figure="lr_runs"),
    # ---- C5: the learned inner dimension falls to R^(0) as L grows ----
    _c("c5_inner_dim_non_increasing",
       "The median middle-layer count n is non-increasing in L over the depth sweep.",
       Source("paper", "Abstract: low-dimension vs regularity tradeoff"), "n_mid_max_increase", AtMost(0),
       "spec C5: counts are integers (medians half-integers), so any increase is a failure",
       figure="inner_dim_vs_depth"),
    _c("c5_inner_dim_reaches_k",
       "At the largest depth of the sweep the median middle-layer count n is k or k+1.",
       Source("paper", "Abstract: low-dimension vs regularity tradeoff"), "n_mid_last_minus_k", Between(0, 1),
       "spec C5 with the k+1 allowance of pitfall 2", figure="inner_dim_vs_depth"),
    # ---- C6: symmetry learning (Sec. 5, Fig. 2) ----
    _c("c6_mid_layer_function_of_relevant_latents",
       "The top-2 PCs of the middle representation are a function of (z_1..z_k): 10-NN R² >= 0.95.",
       Source("paper", "Sec. 5, Fig. 2 (symmetry learning)"), "knn_r2_relevant", AtLeast(0.95),
       "spec C2/C6 full-config criterion; 5-fold cross-validated 10-NN regression", figure="symmetry",
       profiles=_FULL, skip_why=_NEEDS_FULL + "; the paper's task (x = g(z), z ∈ R^8) exists only there"),
    _c("c6_mid_layer_ignores_irrelevant_latents",
       "The top-2 PCs of the middle representation are not predictable from z_{k+1..}: 10-NN R² <= 0.1.",
       Source("paper", "Sec. 5, Fig. 2 (symmetry learning)"), "knn_r2_irrelevant", AtMost(0.1),
       "spec C2/C6 full-config criterion", figure="symmetry",
       profiles=_FULL, skip_why=_NEEDS_FULL + "; the paper's task (x = g(z), z ∈ R^8) exists only there"),
)
