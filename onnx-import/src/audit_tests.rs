//! Lowerings whose honest result could differ from ONNX (found by the second independent audit,
//! of the real-models work): a mask gap the scores could close, a `Where` fill read by something
//! other than a softmax, a table index rounded or out of range, empty tensors. Each test states
//! the ONNX result.

use crate::graph_builder::build;
use crate::semantics_tests::{node, opset_13, value_info, FLOAT, INT64};
use std::path::Path;
use tract_onnx::pb;
use zkinfer_circuits::quantize::{quantize, QuantizeOptions};
use zkinfer_circuits::Graph;

pub fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: FLOAT,
        float_data: data.to_vec(),
        ..Default::default()
    }
}

fn ints(name: &str, data: &[i64]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: vec![data.len() as i64],
        data_type: INT64,
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

fn model(input: (i32, &[i64]), nodes: Vec<pb::NodeProto>, initializer: Vec<pb::TensorProto>) -> pb::ModelProto {
    let graph = pb::GraphProto {
        node: nodes,
        initializer,
        input: vec![value_info("x", input.0, input.1)],
        output: vec![value_info("y", FLOAT, &[])],
        ..Default::default()
    };
    opset_13(graph)
}

pub fn graph(m: &pb::ModelProto) -> Graph {
    build(m, Path::new("."), None).unwrap()
}

/// The proved output for input `x`, calibrated on `calibration` at 12 bits.
fn proved(m: &pb::ModelProto, calibration: &[f64], x: &[f64]) -> Result<Vec<f64>, String> {
    proved_at(m, &[calibration.to_vec()], x, 12)
}

/// The honest proved output (the quantized model's evaluation, which is what the circuit proves)
/// for input `x`, calibrated on `calibration` at `bits`.
pub fn proved_at(m: &pb::ModelProto, calibration: &[Vec<f64>], x: &[f64], bits: u32) -> Result<Vec<f64>, String> {
    let q = quantize(&graph(m), calibration, &QuantizeOptions { bits, fixed_scale: None })?;
    let w = q.evaluate(&q.quantize_input(x).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let out = &q.nodes[q.outputs[0]];
    Ok(w.out[q.outputs[0]].iter().map(|&v| v as f64 / 2f64.powi(out.scale)).collect())
}

fn axis(axis: i64) -> Vec<pb::AttributeProto> {
    vec![pb::AttributeProto {
        name: "axis".into(),
        i: axis,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    }]
}

/// ONNX `Gather` reads a negative index from the end: token id −1 is the last row.
#[test]
fn a_negative_input_index_reads_the_table_from_the_end() {
    let m = model(
        (INT64, &[1, 1]),
        vec![node("Gather", &["t", "x"], "y", vec![])],
        vec![tensor("t", &[3], &[10.0, 20.0, 30.0])],
    );
    for (x, want) in [(-1.0, 30.0), (-3.0, 10.0), (0.0, 10.0), (2.0, 30.0)] {
        assert_eq!(proved(&m, &[2.0], &[x]).unwrap(), vec![want], "T[{x}]");
    }
}

/// An `ArgMax` over 4 entries can reach index 3, which a 3-row table does not have (ONNX fails at
/// run time): refused when compiling, not clamped to the last row.
#[test]
fn an_argmax_over_more_entries_than_table_rows_is_refused() {
    let m = model(
        (FLOAT, &[1, 4]),
        vec![node("ArgMax", &["x"], "i", axis(1)), node("Gather", &["t", "i"], "y", vec![])],
        vec![tensor("t", &[3], &[1.0, 2.0, 3.0])],
    );
    let err = build(&m, Path::new("."), None).unwrap_err().to_string();
    assert!(err.contains("[0, 3]") && err.contains("3 rows"), "{err}");
}

/// Token ids are quantized at scale 0, where every id is exact, even when calibration saw ids
/// large enough to choose a negative scale; ids beyond the bits' range are refused with the
/// remedy, not rounded to a neighbouring row.
#[test]
fn an_index_too_large_for_the_bits_is_refused_not_rounded() {
    let table = |n: usize| tensor("t", &[n as i64], &(0..n).map(|i| 10.0 * i as f32).collect::<Vec<f32>>());
    let gather = |n: usize| model((INT64, &[1, 1]), vec![node("Gather", &["t", "x"], "y", vec![])], vec![table(n)]);
    // the output is at the scale its 29,990 calibrates to (a step of 16); the row is the id's own
    for id in [2999.0, 2998.0, 1.0] {
        let p = proved(&gather(3000), &[2999.0], &[id]).unwrap();
        assert!((p[0] - 10.0 * id).abs() <= 8.0, "T[{id}] proved as {p:?}");
    }
    let err = proved(&gather(5000), &[2.0], &[1.0]).unwrap_err();
    assert!(err.contains("neighbouring row") && err.contains("--bits") && err.contains("5000"), "{err}");
}

/// `Where(mask, −1e9, s)` is exactly −1e9 at the masked positions, whatever reads it: with the
/// masked score far above the rest, `ArgMax` still picks an open position.
#[test]
fn a_where_fill_is_exactly_the_fill_for_any_reader() {
    let cond = pb::TensorProto {
        name: "c".into(),
        dims: vec![1, 3],
        data_type: 9,
        int32_data: vec![1, 0, 0],
        ..Default::default()
    };
    let m = model(
        (FLOAT, &[1, 3]),
        vec![node("Where", &["c", "fill", "x"], "w", vec![]), node("ArgMax", &["w"], "y", axis(1))],
        vec![cond, tensor("fill", &[1], &[-1e9])],
    );
    let g = graph(&m);
    let values = g.eval_f64(&[5e3, 1.0, 2.0]);
    let filled = vec![-1e9, 1.0, 2.0];
    assert!(values.iter().any(|v| v == &filled), "no node holds the Where result: {values:?}");
    assert_eq!(values[g.outputs[0]], vec![2.0]);
}

/// A mask of −1e3 hides a position only while the scores cannot close the gap: scores reaching
/// ±2048 (an input calibrated to 1000) could, so the model is refused; scores within ±4 cannot.
#[test]
fn a_mask_gap_the_scores_could_close_is_refused() {
    let m = model(
        (FLOAT, &[1, 4]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("Softmax", &["s"], "y", axis(-1))],
        vec![tensor("mask", &[1, 4], &[0.0, 0.0, 0.0, -1e3])],
    );
    let err = proved(&m, &[1000.0, 0.0, 0.0, 0.0], &[1.0, 0.0, 0.0, 0.0]).unwrap_err();
    assert!(err.contains("masked softmax") && err.contains("475"), "{err}");
    let p = proved(&m, &[1.0, 0.5, 0.0, 1.0], &[1.0, 0.5, 0.0, 1.0]).unwrap();
    assert_eq!(p[3], 0.0);
    assert!((p[0] - 1f64.exp() / (1f64.exp() + 0.5f64.exp() + 1.0)).abs() < 0.01, "{p:?}");
}

/// A learned bias 60 below its row's largest is a bias, not a mask: a score 61 above the rest
/// brings that position back, as in ONNX (e / (3 + e) ≈ 0.475).
#[test]
fn a_bias_tens_below_the_row_is_added_not_masked() {
    let m = model(
        (FLOAT, &[1, 4]),
        vec![node("Add", &["x", "mask"], "s", vec![]), node("Softmax", &["s"], "y", axis(-1))],
        vec![tensor("mask", &[1, 4], &[0.0, 0.0, 0.0, -60.0])],
    );
    let g = graph(&m);
    let p = &g.eval_f64(&[0.0, 0.0, 0.0, 61.0])[g.outputs[0]];
    let e = 1f64.exp();
    assert!((p[3] - e / (3.0 + e)).abs() < 1e-6, "{p:?}");
}

/// A slice to nothing has no values to prove: a clear error, not a panic in the next op.
#[test]
fn an_empty_tensor_is_refused_by_name() {
    let m = model(
        (FLOAT, &[1, 4]),
        vec![node("Slice", &["x", "b", "e", "a"], "empty", vec![]), node("Relu", &["empty"], "y", vec![])],
        vec![ints("b", &[2]), ints("e", &[2]), ints("a", &[1])],
    );
    let err = build(&m, Path::new("."), None).unwrap_err().to_string();
    assert!(err.contains("'empty'") && err.contains("no elements"), "{err}");
}
