//! Element-wise functions of one variable (`Sigmoid`, `Tanh`, `Exp`, `Log`, `Erf`, `Gelu` (exact
//! or tanh), `Selu`, `Celu`, `HardSwish`, `Softsign`, `Mish`, `Sqrt`, `Reciprocal`, `Softplus`, `Abs`, `Neg`, `LeakyRelu`, `Elu`, `HardSigmoid`, `Clip`,
//! `Pow` with a constant exponent) and `Div` (by a constant: a multiplication; by a computed
//! tensor: `Reciprocal` then `Mul`). Folded when the input is constant.

use super::{elementwise, OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::{BinaryKind, Nonlinearity};
use zkinfer_circuits::Op;

/// The nonlinearity an ONNX op computes, with its attributes and constant inputs resolved.
fn nonlinearity(ctx: &OpCtx) -> Result<Nonlinearity, ImportError> {
    let attrs = Attrs(ctx.node);
    Ok(match ctx.op() {
        "Sigmoid" => Nonlinearity::Sigmoid,
        "Tanh" => Nonlinearity::Tanh,
        "Exp" => Nonlinearity::Exp,
        "Log" => Nonlinearity::Log,
        "Erf" => Nonlinearity::Erf,
        "Gelu" => match attrs.string("approximate").as_deref() {
            None | Some("none") => Nonlinearity::Gelu,
            Some("tanh") => Nonlinearity::GeluTanh,
            Some(other) => return Err(ctx.error(format!("unknown approximate = {other:?}"))),
        },
        "Selu" => {
            Nonlinearity::Selu { alpha: attrs.float("alpha", 1.673_263_2), gamma: attrs.float("gamma", 1.050_701) }
        }
        "Celu" => Nonlinearity::Celu { alpha: attrs.float("alpha", 1.0) },
        "HardSwish" => Nonlinearity::HardSwish,
        "Softsign" => Nonlinearity::Softsign,
        "Mish" => Nonlinearity::Mish,
        "Sqrt" => Nonlinearity::Sqrt,
        "Reciprocal" => Nonlinearity::Reciprocal,
        "Softplus" => Nonlinearity::Softplus,
        "Abs" => Nonlinearity::Abs,
        "Neg" => Nonlinearity::Neg,
        "LeakyRelu" => Nonlinearity::LeakyRelu { alpha: attrs.float("alpha", 0.01) },
        "Elu" => Nonlinearity::Elu { alpha: attrs.float("alpha", 1.0) },
        "HardSigmoid" => Nonlinearity::HardSigmoid { alpha: attrs.float("alpha", 0.2), beta: attrs.float("beta", 0.5) },
        "Clip" => {
            // opset < 11: attributes; opset >= 11: optional constant inputs
            let bound = |i: usize, attr: &str, default: f32| -> Result<f32, ImportError> {
                match ctx.opt_const(i)? {
                    Some(t) => Ok(t.data[0] as f32),
                    None => Ok(attrs.float(attr, default)),
                }
            };
            Nonlinearity::Clip { min: bound(1, "min", f32::MIN)?, max: bound(2, "max", f32::MAX)? }
        }
        "Pow" => {
            let e = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the exponent is missing"))?;
            if e.data.len() != 1 {
                return Err(ImportError::unsupported("Pow", ctx.name, "only a scalar constant exponent is supported"));
            }
            Nonlinearity::Pow { exponent: e.data[0] as f32 }
        }
        other => unreachable!("unary::lower called for {other}"),
    })
}

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let f = nonlinearity(ctx)?;
    Ok(match ctx.arg(0)? {
        Value::Const(t) => {
            Value::Const(ConstTensor { shape: t.shape.clone(), data: t.data.iter().map(|&v| f.apply(v)).collect() })
        }
        Value::Node(x) => Value::Node(b.push(ctx.name, Op::Unary(f), vec![*x], b.nodes[*x].shape.clone())),
    })
}

/// `Div(a, b)`: a product with `1/b`.
pub fn div(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let divisor = match ctx.arg(1)? {
        Value::Const(t) => {
            Value::Const(ConstTensor { shape: t.shape.clone(), data: t.data.iter().map(|&v| 1.0 / v).collect() })
        }
        Value::Node(x) => Value::Node(b.push(
            &format!("{}/reciprocal", ctx.name),
            Op::Unary(Nonlinearity::Reciprocal),
            vec![*x],
            b.nodes[*x].shape.clone(),
        )),
    };
    elementwise::binary(b, ctx, BinaryKind::Mul, ctx.arg(0)?, &divisor)
}
