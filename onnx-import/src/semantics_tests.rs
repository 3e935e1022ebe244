//! Lowerings that must compare as ONNX does on a quantization-grid input (found by an
//! independent audit of the comparison gadget): casts of constants and folded constant
//! arithmetic. The models are built as protobuf structs and lowered with `graph_builder::build`;
//! ONNX semantics are stated in each test.

use crate::graph_builder::build;
use std::path::Path;
use tract_onnx::pb::{self, tensor_shape_proto::dimension, type_proto};
use zkinfer_circuits::quantize::{quantize, QuantizeOptions};

pub(crate) const FLOAT: i32 = 1;
pub(crate) const INT64: i32 = 7;
pub(crate) const BOOL: i32 = 9;

pub(crate) fn value_info(name: &str, elem_type: i32, dims: &[i64]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| pb::tensor_shape_proto::Dimension {
            value: Some(dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
    let tensor = type_proto::Tensor { elem_type, shape: Some(pb::TensorShapeProto { dim }) };
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..Default::default() }),
        ..Default::default()
    }
}

pub(crate) fn float_init(name: &str, v: f32) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: vec![1], data_type: FLOAT, float_data: vec![v], ..Default::default() }
}

pub(crate) fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<pb::AttributeProto>) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    }
}

fn cast_to(to: i32) -> Vec<pb::AttributeProto> {
    vec![pb::AttributeProto {
        name: "to".into(),
        i: to as i64,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    }]
}

pub(crate) fn model(input_type: i32, nodes: Vec<pb::NodeProto>, initializer: Vec<pb::TensorProto>) -> pb::ModelProto {
    let graph = pb::GraphProto {
        node: nodes,
        initializer,
        input: vec![value_info("x", input_type, &[1, 1])],
        output: vec![value_info("y", BOOL, &[1, 1])],
        ..Default::default()
    };
    opset_13(graph)
}

/// A model of `graph` at opset 13.
pub(crate) fn opset_13(graph: pb::GraphProto) -> pb::ModelProto {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
        graph: Some(graph),
        ..Default::default()
    }
}

/// The proved (quantized) decision for input `x`, calibrated on `x` at 12 bits.
pub(crate) fn proved(m: &pb::ModelProto, x: f64) -> i128 {
    let graph = build(m, Path::new("."), None).unwrap();
    let q = quantize(&graph, &[vec![x]], &QuantizeOptions::default()).unwrap();
    let input = q.quantize_input(&[x]).unwrap();
    let w = q.evaluate(&input).unwrap();
    w.out[q.outputs[0]][0]
}

/// `Cast(2.7, INT64)` is 2 in ONNX (truncation): `y = x < float(int64(2.7))` is false for 2.5.
#[test]
fn a_constant_cast_to_an_integer_type_is_truncated() {
    let m = model(
        FLOAT,
        vec![
            node("Cast", &["c"], "ci", cast_to(INT64)),
            node("Cast", &["ci"], "cf", cast_to(FLOAT)),
            node("Less", &["x", "cf"], "y", vec![]),
        ],
        vec![float_init("c", 2.7)],
    );
    assert_eq!(proved(&m, 2.5), 0, "ONNX: 2.5 < 2.0 is false");
    assert_eq!(proved(&m, 1.5), 1);
}

/// `Cast(0.5, BOOL)` is true: `y = x < float(bool(0.5))` is true for 0.75.
#[test]
fn a_constant_cast_to_bool_is_zero_or_one() {
    let m = model(
        FLOAT,
        vec![
            node("Cast", &["c"], "cb", cast_to(BOOL)),
            node("Cast", &["cb"], "cf", cast_to(FLOAT)),
            node("Less", &["x", "cf"], "y", vec![]),
        ],
        vec![float_init("c", 0.5)],
    );
    assert_eq!(proved(&m, 0.75), 1, "ONNX: 0.75 < 1.0 is true");
}

/// A computed tensor that is not 0/1 cannot be cast to BOOL (ONNX maps every non-zero to 1).
#[test]
fn a_computed_tensor_cast_to_bool_must_be_a_comparison() {
    let m = model(FLOAT, vec![node("Cast", &["x"], "y", cast_to(BOOL))], vec![]);
    let err = build(&m, Path::new("."), None).unwrap_err().to_string();
    assert!(err.contains("Cast"), "{err}");
}

/// `0.1f + 0.2f < 0.3f` is false in ONNX (the f32 sum is 0.3f): folded constants compute in f32.
#[test]
fn constant_arithmetic_folds_in_f32() {
    let m = model(
        FLOAT,
        vec![
            node("Add", &["c1", "c2"], "s", vec![]),
            node("Less", &["s", "c3"], "b", vec![]),
            node("Cast", &["b"], "bf", cast_to(FLOAT)),
            node("Mul", &["x", "zero"], "xz", vec![]),
            node("Add", &["bf", "xz"], "y", vec![]),
        ],
        vec![float_init("c1", 0.1), float_init("c2", 0.2), float_init("c3", 0.3), float_init("zero", 0.0)],
    );
    // the premise: summed in f32 the constants reach 0.3f; widened to f64 first they fall short
    let (c1, c2, c3) = std::hint::black_box((0.1f32, 0.2f32, 0.3f32));
    assert!(c1 + c2 >= c3 && (c1 as f64) + (c2 as f64) < c3 as f64);
    let graph = build(&m, Path::new("."), None).unwrap();
    assert_eq!(graph.eval_f64(&[1.0])[graph.outputs[0]], vec![0.0]);
}

/// Opset 6's `PRelu` reads a 1-D slope of `C` entries per channel (axis 1), as PyTorch exports
/// `nn.PReLU(C)` (the ONNX test data's `test_PReLU_*_multiparam`); from opset 7 on the same slope
/// broadcasts from the last axis, so a [1, 3, 2] input does not take it.
#[test]
fn an_opset_6_prelu_slope_is_per_channel() {
    let graph = |version: i64| pb::ModelProto {
        ir_version: 3,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version }],
        graph: Some(pb::GraphProto {
            node: vec![node("PRelu", &["x", "a"], "y", vec![])],
            initializer: vec![pb::TensorProto {
                name: "a".into(),
                dims: vec![3],
                data_type: FLOAT,
                float_data: vec![0.1, 0.2, 0.3],
                ..Default::default()
            }],
            input: vec![value_info("x", FLOAT, &[1, 3, 2])],
            output: vec![value_info("y", FLOAT, &[1, 3, 2])],
            ..Default::default()
        }),
        ..Default::default()
    };
    let g = build(&graph(6), Path::new("."), None).unwrap();
    let x = [-1.0, 2.0, -1.0, -2.0, 3.0, -1.0];
    let y = &g.eval_f64(&x)[g.outputs[0]];
    let want = [-0.1, 2.0, -0.2, -0.4, 3.0, -0.3];
    assert!(y.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{y:?}");
    let err = build(&graph(7), Path::new("."), None).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("broadcast"), "{err}");
}

/// `Gemm` of two computed operands (`torch.addmm` of model inputs), with `transA`, `alpha`,
/// `beta` and a bias: `0.5 · xᵀ x + 2 · C`.
#[test]
fn a_gemm_of_computed_operands_transposes_scales_and_adds() {
    let float = |name: &str, i: f32| pb::AttributeProto {
        name: name.into(),
        f: i,
        r#type: pb::attribute_proto::AttributeType::Float as i32,
        ..Default::default()
    };
    let trans_a = pb::AttributeProto {
        name: "transA".into(),
        i: 1,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    };
    let c = pb::TensorProto {
        name: "c".into(),
        dims: vec![2],
        data_type: FLOAT,
        float_data: vec![1.0, -1.0],
        ..Default::default()
    };
    let m = opset_13(pb::GraphProto {
        node: vec![node("Gemm", &["x", "x", "c"], "y", vec![trans_a, float("alpha", 0.5), float("beta", 2.0)])],
        initializer: vec![c],
        input: vec![value_info("x", FLOAT, &[2, 2])],
        output: vec![value_info("y", FLOAT, &[2, 2])],
        ..Default::default()
    });
    let g = build(&m, Path::new("."), None).unwrap();
    let x = [1.0, 2.0, 3.0, 4.0];
    // xᵀx = [[10, 14], [14, 20]]
    assert_eq!(g.eval_f64(&x)[g.outputs[0]], vec![7.0, 5.0, 9.0, 8.0]);
}
