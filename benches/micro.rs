//! Micro-benchmarks of the hot paths (criterion; `cargo bench -p zkinfer-benches`):
//!
//! - witness generation (the quantized evaluation every circuit cell comes from), per layer kind,
//!   each on the bundled model that is mostly that kind;
//! - building a nonlinear function's lookup table (2^bits entries);
//! - the multi-scalar multiplication that dominates the commit phase, at two sizes;
//! - a whole proof of a small model, for scale.
//!
//! Whole-pipeline numbers (prove time, peak RSS, proof size, gas) come from `benches/pipeline.sh`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::poly::commitment::ParamsProver;
use rand::SeedableRng;
use std::path::Path;
use zkinfer_benches::compiled;
use zkinfer_circuits::ir::Nonlinearity;
use zkinfer_circuits::quantize::LutSpec;

/// (layer kind, the bundled model that is mostly that kind)
const WITNESS_CASES: [(&str, &str); 5] = [
    ("linear", "mnist_mlp"),
    ("conv+maxpool", "cnn_maxpool"),
    ("lookup", "mlp_activations"),
    ("compare (trees)", "credit_gbt"),
    ("activation matmul", "attention"),
];

fn witness(c: &mut Criterion) {
    let mut group = c.benchmark_group("witness");
    for (kind, model) in WITNESS_CASES {
        let (compiled, input) = compiled(model);
        let q = compiled.model.quantize_input(&input).expect("in range");
        group.bench_with_input(BenchmarkId::new(kind, model), &q, |b, q| {
            b.iter(|| compiled.model.evaluate(q).expect("evaluates"))
        });
    }
    group.finish();
}

fn lookup_tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup_table_12bit");
    for func in [Nonlinearity::Sigmoid, Nonlinearity::Exp, Nonlinearity::Gelu, Nonlinearity::Rsqrt { eps: 1e-5 }] {
        let spec = LutSpec { func, in_scale: 8, out_scale: 10 };
        group
            .bench_function(func.name(), |b| b.iter(|| LutSpec::input_range(12).map(|q| spec.output(q)).sum::<i128>()));
    }
    group.finish();
}

fn msm(c: &mut Criterion) {
    let mut group = c.benchmark_group("msm");
    group.sample_size(10);
    for k in [12u32, 14] {
        let srs = zkinfer::srs::generate_insecure(k, 1).expect("srs");
        let bases: Vec<G1Affine> = srs.get_g().to_vec();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(k as u64);
        let scalars: Vec<Fr> = (0..bases.len()).map(|_| Fr::random(&mut rng)).collect();
        group.bench_function(BenchmarkId::from_parameter(format!("2^{k}")), |b| {
            b.iter(|| best_multiexp(&scalars, &bases))
        });
    }
    group.finish();
}

fn prove(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    let (compiled, input) = compiled("linear_regression");
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 1).expect("srs");
    let (pk, _) = zkinfer::setup(&compiled, srs, Path::new("bench-srs")).expect("keys");
    group.bench_function("linear_regression", |b| b.iter(|| zkinfer::prove(&compiled, &pk, &input).expect("proves")));
    group.finish();
}

criterion_group!(benches, witness, lookup_tables, msm, prove);
criterion_main!(benches);
