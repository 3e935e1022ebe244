//! Third independent audit (of 154e88c and 265f7bb): lowerings whose honest proved result differs
//! from what ONNX (onnxruntime, f32) computes, on models and inputs the compiler accepts. Each test
//! states the ONNX result, where tract can run the model from tract's own f32 run.
//!
//! Register with `#[cfg(test)] mod audit3_tests;` in `onnx-import/src/lib.rs`.

use crate::graph_builder::build;
use crate::semantics_tests::{node, opset_13, value_info, FLOAT, INT64};
use std::path::Path;
use tract_onnx::pb;
use tract_onnx::prelude::*;
use zkinfer_circuits::quantize::{quantize, QuantizeOptions};
use zkinfer_circuits::Graph;

fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: FLOAT,
        float_data: data.to_vec(),
        ..Default::default()
    }
}

fn ints(name: &str, dims: &[i64], data: &[i64]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: INT64,
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

/// A one-input, one-output model with declared output type and shape (tract needs them).
fn model(
    input: (i32, &[i64]),
    output: (i32, &[i64]),
    nodes: Vec<pb::NodeProto>,
    initializer: Vec<pb::TensorProto>,
) -> pb::ModelProto {
    let graph = pb::GraphProto {
        node: nodes,
        initializer,
        input: vec![value_info("x", input.0, input.1)],
        output: vec![value_info("y", output.0, output.1)],
        ..Default::default()
    };
    opset_13(graph)
}

fn graph(m: &pb::ModelProto) -> Graph {
    build(m, Path::new("."), None).unwrap()
}

/// The honest proved output (the quantized model's evaluation, which is what the circuit proves)
/// for input `x`, calibrated on `calibration` at `bits`.
fn proved(m: &pb::ModelProto, calibration: &[Vec<f64>], x: &[f64], bits: u32) -> Result<Vec<f64>, String> {
    let q = quantize(&graph(m), calibration, &QuantizeOptions { bits, fixed_scale: None })?;
    let w = q.evaluate(&q.quantize_input(x).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let out = &q.nodes[q.outputs[0]];
    Ok(w.out[q.outputs[0]].iter().map(|&v| v as f64 / 2f64.powi(out.scale)).collect())
}

/// tract's f32 run of the model (the reference `compile` uses when no recorded outputs exist).
fn tract_run(m: &pb::ModelProto, shape: &[usize], x: &[f32]) -> Vec<f32> {
    let model = tract_onnx::onnx()
        .model_for_proto_model(m)
        .unwrap()
        .with_input_fact(0, f32::fact(shape).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let out = model.run(tvec!(Tensor::from_shape(shape, x).unwrap().into())).unwrap();
    out[0].cast_to::<f32>().unwrap().to_plain_array_view::<f32>().unwrap().iter().copied().collect()
}

fn attr_int(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        i,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    }
}

/// FINDING 1. `Softmax(s + M)` with an additive constant mask whose row is wholly at −1e9 (a
/// fully padded query row; HF's `finfo.min` masks do the same). In f32, `s + (−1e9)` is exactly
/// −1e9 for |s| < 32, so ONNX gives that row the uniform distribution. The masked lowering
/// measures "masked" against the row's own largest entry, so a row whose entries are all −1e9 has
/// no masked position and bias 0: the proof states softmax(s) of that row instead.
#[test]
fn a_fully_masked_additive_row_is_uniform_in_onnx_but_softmax_of_the_scores_in_the_proof() {
    let m = model(
        (FLOAT, &[2, 2]),
        (FLOAT, &[2, 2]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("Softmax", &["s"], "y", vec![attr_int("axis", -1)])],
        vec![tensor("mask", &[2, 2], &[0.0, -1e9, -1e9, -1e9])],
    );
    let x = [0.0, 0.0, 0.0, 2.0];
    // ONNX semantics: f32 addition absorbs the scores
    assert_eq!(0f32 + -1e9f32, 2f32 + -1e9f32);
    let onnx = tract_run(&m, &[2, 2], &x.map(|v| v as f32));
    assert!((onnx[2] - 0.5).abs() < 1e-6 && (onnx[3] - 0.5).abs() < 1e-6, "tract: {onnx:?}");
    let p = proved(&m, &[x.to_vec()], &x, 12).unwrap();
    // the proof: softmax([0, 2]) = [0.119, 0.881]
    assert!((p[2] - 0.119).abs() < 0.02 && (p[3] - 0.881).abs() < 0.02, "proved {p:?}, onnx {onnx:?}");
}

/// FINDING 2. An `ArgMax` index is integral by construction, but nothing keeps it at a scale ≥ 0:
/// over more than 2^(bits−1) entries the calibrated scale is negative and the index is rounded.
/// At the default 12 bits, over 2,100 classes, the proof states index 2100 (which does not
/// exist) where ONNX gives 2099, and 2098 where ONNX gives 2097. The table-Gather guard does not
/// cover a plain ArgMax output.
#[test]
fn an_argmax_over_more_than_2048_entries_is_rounded_at_the_default_bits() {
    let k = 2100;
    let m = model(
        (FLOAT, &[1, k as i64]),
        (INT64, &[1, 1]),
        vec![node("ArgMax", &["x"], "y", vec![attr_int("axis", 1)])],
        vec![],
    );
    let one_hot = |j: usize| (0..k).map(|i| (i == j) as u8 as f64).collect::<Vec<f64>>();
    let cal = vec![one_hot(2099), one_hot(3)];
    assert_eq!(proved(&m, &cal, &one_hot(2099), 12).unwrap(), vec![2100.0]);
    assert_eq!(proved(&m, &cal, &one_hot(2097), 12).unwrap(), vec![2098.0]);
}

/// FINDING 3. The table Gather's `ExactIntegers` guard is checked on the index node only. An
/// index computed by a `Linear` (MatMul by a constant integer matrix) from two `ArgMax` indices
/// at a negative scale has a fine scale of its own (it is small on the calibration inputs), so
/// the guard passes, but its inputs were already rounded: `T[a − b]` with `a = 2099, b = 2098`
/// is proved as `T[2]`; ONNX gives `T[1]`.
#[test]
fn an_index_computed_from_rounded_argmaxes_passes_the_exact_integer_guard_and_picks_another_row() {
    let k = 2100i64;
    let table: Vec<f32> = (0..k).map(|i| i as f32).collect();
    let m = model(
        (FLOAT, &[1, 2 * k]),
        (FLOAT, &[1, 1]),
        vec![
            node("Slice", &["x", "s0", "e0", "ax"], "xa", vec![]),
            node("Slice", &["x", "s1", "e1", "ax"], "xb", vec![]),
            node("ArgMax", &["xa"], "a", vec![attr_int("axis", 1)]),
            node("ArgMax", &["xb"], "b", vec![attr_int("axis", 1)]),
            node("Concat", &["a", "b"], "ab", vec![attr_int("axis", 1)]),
            node("MatMul", &["ab", "w"], "i", vec![]),
            node("Gather", &["t", "i"], "g", vec![]),
            node("Reshape", &["g", "shape"], "y", vec![]),
        ],
        vec![
            ints("s0", &[1], &[0]),
            ints("e0", &[1], &[k]),
            ints("s1", &[1], &[k]),
            ints("e1", &[1], &[2 * k]),
            ints("ax", &[1], &[1]),
            ints("w", &[2, 1], &[1, -1]),
            tensor("t", &[k], &table),
            ints("shape", &[2], &[1, 1]),
        ],
    );
    let input = |a: usize, b: usize| {
        (0..2 * k as usize).map(|i| (i == a || i == k as usize + b) as u8 as f64).collect::<Vec<f64>>()
    };
    let x = input(2099, 2098);
    // the float graph is ONNX's T[2099 − 2098] = T[1]
    let g = graph(&m);
    assert_eq!(g.eval_f64(&x)[g.outputs[0]], vec![1.0]);
    let p = proved(&m, &[x.clone(), input(5, 4)], &x, 12).unwrap();
    assert_eq!(p, vec![2.0], "proved T[2] where ONNX reads T[1]");
}

/// FINDING 4. `value_range` has no case for `MatMul` (which `is_integral` accepts), so an index
/// through a product of computed tensors gets "the model input's" range `[−n, n)` and is never
/// refused. A count of positive features (0..8) indexes a 4-row table: onnxruntime fails on a
/// count ≥ 4 ("indices element out of data bounds"), the proof states T[3] for count 8.
#[test]
fn an_index_through_a_matmul_escapes_the_range_refusal() {
    let m = model(
        (FLOAT, &[1, 8]),
        (FLOAT, &[1, 1]),
        vec![
            node("Greater", &["x", "zero"], "pos", vec![]),
            node("Cast", &["pos"], "c", vec![attr_int("to", FLOAT as i64)]),
            node("Reshape", &["c", "col"], "d", vec![]),
            node("MatMul", &["c", "d"], "count", vec![]),
            node("Cast", &["count"], "i", vec![attr_int("to", INT64 as i64)]),
            node("Gather", &["t", "i"], "g", vec![]),
            node("Reshape", &["g", "shape"], "y", vec![]),
        ],
        vec![
            tensor("zero", &[1], &[0.0]),
            ints("col", &[2], &[8, 1]),
            tensor("t", &[4], &[10.0, 20.0, 30.0, 40.0]),
            ints("shape", &[2], &[1, 1]),
        ],
    );
    let mut cal = vec![-1.0; 8];
    cal[0] = 1.0;
    let all = vec![1.0; 8];
    // imported without complaint; the ArgMax form of the same range is refused (audit_tests)
    let p = proved(&m, &[cal], &all, 12).unwrap();
    assert_eq!(p, vec![40.0], "count 8 of a 4-row table: ONNX fails, the proof says T[3]");
}

/// FINDING 5. docs/ops.md lists "LogSoftmax over a masked row" as rejected at import; it is not:
/// it takes the plain lowering, where the −1e4 sets the scale of `s + M` (2^−3 at 12 bits) and
/// rounds the scores away. The open outputs of [1, 0.5, 0, ·] are proved as −1.0986 each (a
/// uniform row) where ONNX gives −0.68, −1.18, −1.68. On calibration rows whose open scores tie
/// the proof is exact, so `compile` reports no error; and an error is measured relative to the
/// output's largest magnitude (1e4), where 0.58 is 0.006%.
#[test]
fn a_masked_log_softmax_is_not_refused_and_rounds_the_scores_away() {
    let m = model(
        (FLOAT, &[1, 4]),
        (FLOAT, &[1, 4]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("LogSoftmax", &["s"], "y", vec![attr_int("axis", -1)])],
        vec![tensor("mask", &[1, 4], &[0.0, 0.0, 0.0, -1e4])],
    );
    let x = [1.0, 0.5, 0.0, 1.0];
    let onnx = tract_run(&m, &[1, 4], &x.map(|v| v as f32));
    assert!((onnx[0] + 0.680).abs() < 0.01 && (onnx[2] + 1.680).abs() < 0.01, "tract: {onnx:?}");
    // calibrated on rows whose open scores tie (the row sum is 3 there, so the Log table covers it)
    let cal = vec![vec![0.0; 4], vec![2.0, 2.0, 2.0, 0.0]];
    let p = proved(&m, &cal, &x, 12).unwrap();
    let worst = (0..3).map(|i| (p[i] - onnx[i] as f64).abs()).fold(0.0, f64::max);
    assert!(worst > 0.5, "proved {p:?}, onnx {onnx:?}");
}

/// FINDING 6 (cosmetic). A row of the additive mask that is −∞ throughout (ONNX: NaN) panics
/// the importer: the row max folds from `f64::MIN`, every entry counts as masked, and
/// `first_open`'s `expect` fires. `compile` aborts with a panic instead of an error.
#[test]
fn an_all_minus_infinity_mask_row_panics_the_importer() {
    let m = model(
        (FLOAT, &[2, 2]),
        (FLOAT, &[2, 2]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("Softmax", &["s"], "y", vec![attr_int("axis", -1)])],
        vec![tensor("mask", &[2, 2], &[0.0, f32::NEG_INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY])],
    );
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(|| build(&m, Path::new("."), None).map(|_| ()));
    std::panic::set_hook(quiet);
    assert!(r.is_err(), "expected a panic, got {:?}", r.map(|r| r.map_err(|e| e.to_string())));
}

/// FINDING 7 (cosmetic). Scores that the mask broadcasts (`s` of [1, 2] plus a [2, 2] mask with
/// zero bias) are re-wired by the masked lowering at the scores' shape with the mask's row count:
/// a Select that reads past its input. Panics or errors instead of lowering (ONNX runs it).
#[test]
fn scores_broadcast_by_the_mask_break_the_masked_lowering() {
    let m = model(
        (FLOAT, &[1, 2]),
        (FLOAT, &[2, 2]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("Softmax", &["s"], "y", vec![attr_int("axis", -1)])],
        vec![tensor("mask", &[2, 2], &[0.0, -1e9, 0.0, 0.0])],
    );
    let x = [0.5, 1.0];
    let onnx = tract_run(&m, &[1, 2], &x.map(|v| v as f32));
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(|| proved(&m, &[x.to_vec()], &x, 12));
    std::panic::set_hook(quiet);
    match r {
        Err(_) => {} // panicked
        Ok(Err(e)) => eprintln!("refused: {e}"),
        Ok(Ok(p)) => {
            let worst = p.iter().zip(&onnx).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
            assert!(worst < 0.02, "proved {p:?}, onnx {onnx:?}");
        }
    }
}

/// FINDING 2b. The same root cause inside the ArgMax: its running sums are integers too, and a
/// calibration input with many tied maxima (all zeros, a common dummy sample) makes them large,
/// so at 8 bits over 256 entries they get scale 2^−2 and a sum of 1 rounds to 0. An input whose
/// maximum is tied at positions 5 and 6 (ONNX: 5, the first) is proved as 6, and
/// `Gather(T, ArgMax(x))` as `T[6]`; the Gather's guard passes (the index is at scale 2^4). For an
/// input with a unique max every prefix sum rounds to 0 and the index would be K = 256, which
/// `b.ranges` says cannot happen (there the index's range check makes the proof fail instead).
#[test]
fn tied_calibration_maxima_round_the_argmax_running_sums_to_zero() {
    let k = 256usize;
    let hot = |js: &[usize]| (0..k).map(|i| js.contains(&i) as u8 as f64).collect::<Vec<f64>>();
    let cal = vec![vec![0.0; k], hot(&[5, 6])];
    let argmax = model(
        (FLOAT, &[1, k as i64]),
        (INT64, &[1, 1]),
        vec![node("ArgMax", &["x"], "y", vec![attr_int("axis", 1)])],
        vec![],
    );
    let g = graph(&argmax);
    assert_eq!(g.eval_f64(&hot(&[5, 6]))[g.outputs[0]], vec![5.0], "ONNX: the first maximum");
    assert_eq!(proved(&argmax, &cal, &hot(&[5, 6]), 8).unwrap(), vec![6.0]);
    let table: Vec<f32> = (0..k).map(|i| 10.0 * i as f32).collect();
    let gather = model(
        (FLOAT, &[1, k as i64]),
        (FLOAT, &[1, 1]),
        vec![node("ArgMax", &["x"], "i", vec![attr_int("axis", 1)]), node("Gather", &["t", "i"], "y", vec![])],
        vec![tensor("t", &[k as i64], &table)],
    );
    assert_eq!(proved(&gather, &cal, &hot(&[5, 6]), 8).unwrap(), vec![60.0], "ONNX: T[5] = 50");
}

/// FINDING 8 (cosmetic). Empty tensors are refused only as some node's input: a slice to nothing
/// that is itself a graph output imports without a word (docs/security.md: "Empty tensors … are
/// refused when importing").
#[test]
fn an_empty_graph_output_is_not_refused() {
    let m = model(
        (FLOAT, &[1, 4]),
        (FLOAT, &[1, 0]),
        vec![node("Slice", &["x", "b", "e", "a"], "y", vec![])],
        vec![ints("b", &[1], &[2]), ints("e", &[1], &[2]), ints("a", &[1], &[1])],
    );
    let r = build(&m, Path::new("."), None);
    assert!(r.is_ok(), "refused: {}", r.err().map(|e| e.to_string()).unwrap_or_default());
    let g = r.unwrap();
    assert_eq!(g.nodes[g.outputs[0]].len(), 0);
    let q = quantize(&g, &[vec![1.0, 2.0, 3.0, 4.0]], &QuantizeOptions::default());
    eprintln!("quantize of the empty output: {:?}", q.as_ref().map(|_| ()).map_err(|e| e.clone()));
}
