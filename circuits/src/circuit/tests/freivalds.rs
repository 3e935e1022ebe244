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
    plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, Advice, Column, Fixed},
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

/// The gadget alone: `X` (P×K, plain first-phase cells), fixed `W` and `b`, and a claimed `Y`.
#[derive(Clone)]
struct ClaimedProduct {
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

impl ClaimedProduct {
    fn honest() -> Self {
        let (p, k, c) = (9, 4, 3);
        let x: Vec<i128> = (0..p * k).map(|i| (i as i128 * 7 % 19) - 9).collect();
        let w: Vec<i64> = (0..k * c).map(|i| (i as i64 * 5 % 13) - 6).collect();
        let b = vec![3, -2, 5];
        let claimed = (0..p * c)
            .map(|i| {
                let (pi, j) = (i / c, i % c);
                (0..k).map(|ki| x[pi * k + ki] * w[ki * c + j] as i128).sum::<i128>() + b[j] as i128
            })
            .collect();
        Self { x, w, b, dims: (p, k, c), claimed }
    }

    /// The honest product with each claimed `Y[p, j]` moved by `by`, for every `(p, j, by)`.
    fn forged(moves: &[(usize, usize, i128)]) -> Self {
        let mut s = Self::honest();
        for &(pi, j, by) in moves {
            s.claimed[pi * s.dims.2 + j] += by;
        }
        s
    }
}

impl Circuit<Fr> for ClaimedProduct {
    type Config = GadgetConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> GadgetConfig {
        let main: Vec<Column<Advice>> = (0..4).map(|_| meta.advice_column()).collect();
        main.iter().for_each(|&c| meta.enable_equality(c));
        let fixed: Vec<Column<Fixed>> = (0..4).map(|_| meta.fixed_column()).collect();
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        let gadget = FreivaldsGadget::configure(meta, &main, &fixed);
        GadgetConfig { main, gadget }
    }

    fn synthesize(&self, config: GadgetConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_region(
            || "product",
            |mut region| {
                let mut ctx = RegionCtx::new(&mut region, 1);
                let first = ctx.take_rows(self.x.len().div_ceil(4));
                let x: Vec<_> = (0..self.x.len())
                    .map(|i| ctx.assign(config.main[i % 4], first + i / 4, Value::known(self.x[i])))
                    .collect();
                let claimed = self.claimed.iter().map(|&v| Value::known(v)).collect();
                let (w, b) = (Operand::Fixed(&self.w), Operand::Fixed(&self.b));
                let (_, check) = config.gadget.assign_claimed(&mut ctx, &x, w, b, self.dims, claimed)?;
                ctx.next_phase();
                config.gadget.finish(&mut ctx, &check)
            },
        )
    }
}

const K: u32 = 8;

fn mock_failures(circuit: &ClaimedProduct) -> Vec<VerifyFailure> {
    MockProver::run(K, circuit, vec![]).unwrap().verify().err().unwrap_or_default()
}

/// Proves with the real prover (SHPLONK, Blake2b Fiat–Shamir) and verifies.
fn proves(circuit: &ClaimedProduct) -> bool {
    let params = ParamsKZG::<Bn256>::setup(K, OsRng);
    let vk = keygen_vk(&params, circuit).unwrap();
    let pk = keygen_pk(&params, vk, circuit).unwrap();
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<_>, _, _, _, _>(
        &params,
        &pk,
        std::slice::from_ref(circuit),
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

#[test]
fn the_honest_product_verifies_with_the_mock_and_the_real_prover() {
    assert!(mock_failures(&ClaimedProduct::honest()).is_empty());
    assert!(proves(&ClaimedProduct::honest()));
}

#[test]
fn a_product_one_cell_off_fails_only_the_final_equality() {
    // the witness generator follows the claim: every Horner run and both chains hold, only the
    // copy that equates the two totals fails
    let failures = mock_failures(&ClaimedProduct::forged(&[(4, 1, 1)]));
    assert!(only_copies(&failures), "{failures:?}");
}

#[test]
fn a_forgery_that_keeps_every_row_and_column_sum_fails() {
    // +δ and −δ in two rows and two columns: invisible to any check with all-ones weights
    let forged = ClaimedProduct::forged(&[(0, 0, 5), (0, 2, -5), (7, 0, -5), (7, 2, 5)]);
    assert!(only_copies(&mock_failures(&forged)));
    assert!(!proves(&forged), "the real prover's challenges must catch it");
    assert!(!proves(&ClaimedProduct::forged(&[(8, 2, -1)])));
}

fn only_copies(failures: &[VerifyFailure]) -> bool {
    !failures.is_empty() && failures.iter().all(|f| matches!(f, VerifyFailure::Permutation { .. }))
}
