//! The random-challenge matrix-product check (`gadgets::freivalds`): a batched model proved with
//! it, lint-clean in every layout, fewer rows than dot products; and, on the gadget alone, a
//! claimed product that is not `X·W + b` — one cell off, or several moved together so that
//! every row and column sum still matches — fails the check, under the mock prover and under
//! the real prover with Fiat–Shamir challenges.

use super::*;
use crate::gadgets::freivalds::{FreivaldsGadget, Operand};
use crate::layout::region::RegionCtx;
use crate::lint::lint_model;
use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{create_proof, keygen_pk, keygen_vk_custom, verify_proof, Advice, Column, Fixed},
    poly::kzg::{
        commitment::{KZGCommitmentScheme, ParamsKZG},
        multiopen::{ProverSHPLONK, VerifierSHPLONK},
        strategy::SingleStrategy,
    },
    transcript::{Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer},
};
use rand::rngs::OsRng;

/// x[64, 8] → Linear(8→6, bias) → Relu → Linear(6→3): two products of 64 rows.
fn batched_graph() -> Graph {
    let w1: Vec<f32> = (0..48).map(|i| ((i * 37 % 23) as f32 - 11.0) / 16.0).collect();
    let w2: Vec<f32> = (0..18).map(|i| ((i * 29 % 17) as f32 - 8.0) / 8.0).collect();
    Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![64, 8]),
            node(
                "fc1",
                Op::Linear { weight: Tensor::new(vec![8, 6], w1), bias: Some(Tensor::new(vec![6], vec![0.1; 6])) },
                vec![0],
                vec![64, 6],
            ),
            node("relu", Op::Relu, vec![1], vec![64, 6]),
            node("fc2", Op::Linear { weight: Tensor::new(vec![6, 3], w2), bias: None }, vec![2], vec![64, 3]),
        ],
        input: 0,
        outputs: vec![3],
    }
}

fn batched_sample() -> Vec<f64> {
    (0..512).map(|i| ((i * 53 % 97) as f64 - 48.0) / 32.0).collect()
}

fn with_freivalds(width: usize, visibility: ModelVisibility) -> impl FnOnce(&QuantizedModel) -> CircuitParams {
    move |model| {
        let layout = Layout { width, limbs: 1, range_columns: 3, pack: false, fold: false, freivalds: true };
        params_for(model, layout, visibility).unwrap()
    }
}

fn visibilities() -> Vec<ModelVisibility> {
    use Visibility::*;
    let v = |input, output, params| ModelVisibility { input, output, params };
    vec![v(Public, Public, Fixed), v(Private, Public, Public), v(Public, Hashed, Hashed), v(Public, Public, Private)]
}

/// Rows of each Linear layer of the batched model, with and without the check.
fn linear_rows(visibility: ModelVisibility, width: usize) -> Vec<(usize, usize)> {
    let model =
        quantize(&batched_graph(), &[batched_sample()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
    let rows = |freivalds| {
        let layout = Layout { width, limbs: 1, range_columns: 3, pack: false, fold: false, freivalds };
        let layers = stats(&model, params_for(&model, layout, visibility).unwrap()).layers;
        layers.into_iter().filter(|l| l.op == "Linear").map(|l| l.rows).collect::<Vec<_>>()
    };
    rows(true).into_iter().zip(rows(false)).collect()
}

#[test]
fn a_batched_model_verifies_with_both_products_checked_by_the_challenge() {
    for visibility in visibilities() {
        let s = setup_graph(batched_graph(), &batched_sample(), with_freivalds(6, visibility));
        mock(&s.circuit, s.circuit.params, &s.instances).unwrap_or_else(|f| panic!("{visibility:?}: {f:?}"));
        // both Linears took the check's layout (and verified with it)
        for (with, without) in linear_rows(visibility, 6) {
            assert!(with < without, "{with} rows with the check, {without} without ({visibility:?})");
        }
    }
}

#[test]
fn the_check_takes_far_fewer_rows_than_the_dot_products() {
    let rows = linear_rows(ModelVisibility::default(), 6);
    let (with, without): (usize, usize) = rows.iter().fold((0, 0), |(a, b), (w, o)| (a + w, b + o));
    assert!(with * 2 < without, "{with} rows with the check, {without} without");
}

#[test]
fn the_batched_model_is_lint_clean_in_every_freivalds_layout() {
    for visibility in visibilities() {
        for width in if visibility.hashes() { 6 } else { 3 }..=9 {
            for range_columns in [3, 1] {
                let layout = Layout { width, limbs: 1, range_columns, pack: false, fold: false, freivalds: true };
                let s = setup_graph(batched_graph(), &batched_sample(), |m| params_for(m, layout, visibility).unwrap());
                let report = lint_model(&s.circuit, &s.instances).unwrap();
                assert!(report.is_clean(), "{visibility:?} {layout:?}: {report}");
            }
        }
    }
}

/// The gadget alone, `width` cells a row: `X` (P×K, plain first-phase cells), `W` and `b` fixed
/// or loaded as first-phase wires, and a claimed `Y`.
#[derive(Clone)]
struct Claim {
    width: usize,
    wires: bool,
    x: Vec<i128>,
    w: Vec<i64>,
    b: Vec<i64>,
    dims: (usize, usize, usize),
    claimed: Vec<i128>,
}

#[derive(Clone)]
struct GadgetConfig {
    main: Vec<Column<Advice>>,
    gadget: FreivaldsGadget,
}

impl Claim {
    fn honest(width: usize, wires: bool, (p, k, c): (usize, usize, usize)) -> Self {
        let x: Vec<i128> = (0..p * k).map(|i| (i as i128 * 7 % 19) - 9).collect();
        let w: Vec<i64> = (0..k * c).map(|i| (i as i64 * 5 % 13) - 6).collect();
        let b: Vec<i64> = (0..c).map(|j| j as i64 * 3 - 2).collect();
        let claimed = (0..p * c)
            .map(|i| {
                let (pi, j) = (i / c, i % c);
                (0..k).map(|ki| x[pi * k + ki] * w[ki * c + j] as i128).sum::<i128>() + b[j] as i128
            })
            .collect();
        Self { width, wires, x, w, b, dims: (p, k, c), claimed }
    }

    /// This claim with each `Y[p, j]` moved by `by`, for every `(p, j, by)`.
    fn moved(mut self, moves: &[(usize, usize, i128)]) -> Self {
        for &(pi, j, by) in moves {
            self.claimed[pi * self.dims.2 + j] += by;
        }
        self
    }
}

impl Circuit<Fr> for Claim {
    type Config = GadgetConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        self.clone()
    }
    fn params(&self) -> usize {
        self.width
    }
    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, width: usize) -> GadgetConfig {
        let main: Vec<Column<Advice>> = (0..width).map(|_| meta.advice_column()).collect();
        main.iter().for_each(|&c| meta.enable_equality(c));
        let fixed: Vec<Column<Fixed>> = (0..width).map(|_| meta.fixed_column()).collect();
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        GadgetConfig { gadget: FreivaldsGadget::configure(meta, &main, &fixed), main }
    }
    fn configure(_: &mut ConstraintSystem<Fr>) -> GadgetConfig {
        unreachable!("configured with its width")
    }
    fn synthesize(&self, config: GadgetConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let n = self.width;
        layouter.assign_region(
            || "product",
            |mut region| {
                let mut ctx = RegionCtx::new(&mut region, 1);
                let load = |ctx: &mut RegionCtx, values: &[i128]| {
                    let first = ctx.take_rows(values.len().div_ceil(n).max(1));
                    let at = |i: usize| (config.main[i % n], first + i / n);
                    values.iter().enumerate().map(|(i, &v)| ctx.assign(at(i).0, at(i).1, Value::known(v))).collect()
                };
                let x: Vec<_> = load(&mut ctx, &self.x);
                let claimed = self.claimed.iter().map(|&v| Value::known(v)).collect();
                let (_, check) = if self.wires {
                    let w: Vec<_> = load(&mut ctx, &self.w.iter().map(|&v| v as i128).collect::<Vec<_>>());
                    let b: Vec<_> = load(&mut ctx, &self.b.iter().map(|&v| v as i128).collect::<Vec<_>>());
                    let (w, b) = (Operand::Wires(&w), Operand::Wires(&b));
                    config.gadget.assign_claimed(&mut ctx, &x, w, b, self.dims, claimed)?
                } else {
                    let (w, b) = (Operand::Fixed(&self.w), Operand::Fixed(&self.b));
                    config.gadget.assign_claimed(&mut ctx, &x, w, b, self.dims, claimed)?
                };
                ctx.next_phase();
                config.gadget.finish(&mut ctx, &check)
            },
        )
    }
}

const K: u32 = 8;

fn mock_failures(claim: &Claim) -> Vec<VerifyFailure> {
    MockProver::run(K, claim, vec![]).unwrap().verify().err().unwrap_or_default()
}

/// Proves with the real prover (selectors compressed as in production, SHPLONK, Blake2b
/// Fiat–Shamir) and verifies.
fn proves(claim: &Claim) -> bool {
    let params = ParamsKZG::<Bn256>::setup(K, OsRng);
    let vk = keygen_vk_custom(&params, claim, true).unwrap();
    let pk = keygen_pk(&params, vk, claim).unwrap();
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<_>, _, _, _, _>(
        &params,
        &pk,
        std::slice::from_ref(claim),
        &[&[]],
        OsRng,
        &mut transcript,
    )
    .unwrap();
    let proof = transcript.finalize();
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&proof[..]);
    let strategy = SingleStrategy::new(&params);
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<_>, _, _, _>(
        &params,
        pk.get_vk(),
        strategy,
        &[&[]],
        &mut transcript,
    )
    .is_ok()
}

fn only_copies(failures: &[VerifyFailure]) -> bool {
    !failures.is_empty() && failures.iter().all(|f| matches!(f, VerifyFailure::Permutation { .. }))
}

/// A usual shape: 9 rows of 4, 3 columns, 4 cells a row.
fn usual() -> Claim {
    Claim::honest(4, false, (9, 4, 3))
}

#[test]
fn the_honest_product_verifies_with_the_mock_and_the_real_prover() {
    assert!(mock_failures(&usual()).is_empty());
    assert!(proves(&usual()));
}

#[test]
fn a_product_one_cell_off_fails_only_the_final_equality() {
    // the witness generator follows the claim: every Horner run and both chains hold, only the
    // copy that equates the two totals fails
    let failures = mock_failures(&usual().moved(&[(4, 1, 1)]));
    assert!(only_copies(&failures), "{failures:?}");
}

#[test]
fn a_forgery_that_keeps_every_row_and_column_sum_fails() {
    // +δ and −δ in two rows and two columns: invisible to any check with all-ones weights
    let forged = usual().moved(&[(0, 0, 5), (0, 2, -5), (7, 0, -5), (7, 2, 5)]);
    assert!(only_copies(&mock_failures(&forged)));
    assert!(!proves(&forged), "the real prover's challenges must catch it");
    assert!(!proves(&usual().moved(&[(8, 2, -1)])));
}

/// Shapes at the edges of the layout: single rows, columns and terms, runs that fill their rows
/// exactly, a width of 1 (from the independent audit).
fn edge_shapes() -> Vec<(usize, (usize, usize, usize))> {
    vec![
        (5, (1, 1, 1)),
        (5, (1, 3, 1)),
        (5, (2, 1, 2)),
        (5, (5, 5, 5)),
        (5, (10, 5, 10)),
        (5, (6, 4, 3)),
        (3, (7, 2, 4)),
        (1, (3, 2, 2)),
    ]
}

#[test]
fn at_every_edge_shape_the_honest_product_passes_and_every_single_cell_forgery_fails() {
    for (width, dims) in edge_shapes() {
        for wires in [false, true] {
            let honest = Claim::honest(width, wires, dims);
            assert!(mock_failures(&honest).is_empty(), "honest {width} {dims:?} {wires}");
            let (p, _, c) = dims;
            for (pi, j) in (0..p).flat_map(|pi| (0..c).map(move |j| (pi, j))) {
                let forged = honest.clone().moved(&[(pi, j, 1)]);
                assert!(!mock_failures(&forged).is_empty(), "forged {width} {dims:?} {wires} ({pi},{j})");
            }
        }
    }
}

#[test]
fn the_real_prover_refuses_forgeries_at_edge_shapes_and_one_that_needs_equal_challenges() {
    for (width, dims) in [(5, (1, 1, 1)), (5, (5, 5, 5)), (1, (3, 2, 2))] {
        for wires in [false, true] {
            let honest = Claim::honest(width, wires, dims);
            assert!(proves(&honest), "honest {width} {dims:?} {wires}");
            assert!(!proves(&honest.moved(&[(0, 0, 1)])));
        }
    }
    // E[0,1] = +1, E[1,0] = −1: the check reads σ − ρ, zero only if the two challenges coincide
    let anti = Claim::honest(5, false, (2, 2, 2)).moved(&[(0, 1, 1), (1, 0, -1)]);
    assert!(!mock_failures(&anti).is_empty());
    assert!(!proves(&anti), "ρ = σ: the antidiagonal forgery passes");
}
