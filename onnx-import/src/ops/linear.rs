//! ONNX `Gemm` and `MatMul`: a constant right-hand side lowered to `Linear`, a computed one to a
//! product of computed tensors.

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::{Op, Tensor};

/// `Y = alpha * A' B' + beta * C` (A' = A or Aᵀ, B' = B or Bᵀ).
pub fn gemm(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let attrs = Attrs(ctx.node);
    let (alpha, beta) = (attrs.float("alpha", 1.0) as f64, attrs.float("beta", 1.0) as f64);
    if attrs.int("transA", 0) != 0 || matches!(ctx.arg(1)?, Value::Node(_)) {
        return computed_gemm(b, ctx, alpha, beta);
    }
    let x = activation(ctx)?;
    let weight = ctx.opt_const(1)?.ok_or_else(|| ctx.error("input B is missing"))?;
    if weight.shape.len() != 2 {
        return Err(ctx.error(format!("B must be 2-D, its shape is {:?}", weight.shape)));
    }
    let weight = if attrs.int("transB", 0) != 0 { transpose(weight) } else { weight.clone() };
    let n = weight.shape[1];
    let bias = match ctx.opt_const(2)? {
        None => None,
        Some(c) if c.data.len() == n || c.data.len() == 1 => {
            Some(Tensor::new(vec![n], (0..n).map(|j| (beta * c.data[j % c.data.len()]) as f32).collect()))
        }
        Some(c) => return Err(ctx.error(format!("bias C of shape {:?} does not broadcast to [{n}]", c.shape))),
    };
    push_linear(b, ctx, x, scaled(&weight, alpha), bias)
}

/// `Gemm` with a computed `B` or a transposed `A` (`torch.mm`, `torch.addmm` of two inputs): the
/// transposes as `Select`s, the product of computed tensors (or a `Linear` for a constant `B`),
/// then `alpha ·` and `+ beta · C` with broadcasting.
fn computed_gemm(b: &mut Builder, ctx: &OpCtx, alpha: f64, beta: f64) -> Result<Value, ImportError> {
    use super::elementwise::binary;
    use zkinfer_circuits::ir::BinaryKind;
    let attrs = Attrs(ctx.node);
    let two_d = |v: &Value, what: &str| -> Result<Vec<usize>, ImportError> {
        let shape = b.shape(v);
        if shape.len() != 2 {
            return Err(ctx.error(format!("{what} must be 2-D, its shape is {shape:?}")));
        }
        Ok(shape)
    };
    let transposed = |b: &mut Builder, v: &Value, what: &str| -> Value {
        let s = b.shape(v);
        super::select::rewire(b, &format!("{}/{what}_t", ctx.name), v, vec![s[1], s[0]], |c| Some(vec![c[1], c[0]]))
    };
    let (a, w) = (ctx.arg(0)?.clone(), ctx.arg(1)?.clone());
    two_d(&a, "A")?;
    two_d(&w, "B")?;
    let a = if attrs.int("transA", 0) != 0 { transposed(b, &a, "a") } else { a };
    let w = if attrs.int("transB", 0) != 0 { transposed(b, &w, "b") } else { w };
    let Value::Node(x) = a else {
        return Err(ImportError::unsupported("Gemm", ctx.name, "a constant A with a computed B"));
    };
    let product = match &w {
        Value::Const(weight) => push_linear(b, ctx, x, scaled(weight, alpha), None)?,
        Value::Node(y) => {
            let (sa, sb) = (b.nodes[x].shape.clone(), b.nodes[*y].shape.clone());
            if sa[1] != sb[0] {
                return Err(ctx.error(format!("A' {sa:?} and B' {sb:?} do not multiply")));
            }
            let p = Value::Node(b.push(ctx.name, Op::MatMul, vec![x, *y], vec![sa[0], sb[1]]));
            if alpha == 1.0 {
                p
            } else {
                binary(b, ctx, BinaryKind::Mul, &p, &Value::Const(ConstTensor::scalar(alpha)))?
            }
        }
    };
    let Some(c) = ctx.args.get(2).and_then(|c| c.clone()) else { return Ok(product) };
    let c =
        if beta == 1.0 { c } else { binary(b, ctx, BinaryKind::Mul, &c, &Value::Const(ConstTensor::scalar(beta)))? };
    binary(b, ctx, BinaryKind::Add, &product, &c)
}

/// `Y = A @ B`: a `Linear` for a constant 2-D `B` (the activation may carry leading batch axes),
/// otherwise a product of two tensors with the same leading axes.
pub fn matmul(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    if matches!(ctx.arg(1)?, Value::Node(_)) {
        return activation_matmul(b, ctx);
    }
    let x = activation(ctx)?;
    let weight = ctx.opt_const(1)?.expect("checked above");
    if weight.shape.len() != 2 {
        return Err(ImportError::unsupported(
            "MatMul",
            ctx.name,
            format!("the constant operand must be 2-D, its shape is {:?}", weight.shape),
        ));
    }
    push_linear(b, ctx, x, weight.clone(), None)
}

fn activation(ctx: &OpCtx) -> Result<usize, ImportError> {
    match ctx.arg(0)? {
        Value::Node(x) => Ok(*x),
        Value::Const(_) => {
            Err(ImportError::unsupported(ctx.op(), ctx.name, "the left operand must be computed from the model input"))
        }
    }
}

fn push_linear(
    b: &mut Builder,
    ctx: &OpCtx,
    x: usize,
    weight: ConstTensor,
    bias: Option<Tensor>,
) -> Result<Value, ImportError> {
    let in_shape = b.nodes[x].shape.clone();
    let (k, n) = (weight.shape[0], weight.shape[1]);
    if in_shape.last() != Some(&k) {
        return Err(ctx.error(format!("input of shape {in_shape:?} cannot be multiplied by a [{k}, {n}] matrix")));
    }
    let mut shape = in_shape;
    *shape.last_mut().unwrap() = n;
    Ok(Value::Node(b.push(ctx.name, Op::Linear { weight: weight.to_ir(), bias }, vec![x], shape)))
}

fn transpose(t: &ConstTensor) -> ConstTensor {
    let (r, c) = (t.shape[0], t.shape[1]);
    let data = (0..c).flat_map(|j| (0..r).map(move |i| (i, j))).map(|(i, j)| t.data[i * c + j]).collect();
    ConstTensor { shape: vec![c, r], data }
}

fn scaled(t: &ConstTensor, factor: f64) -> ConstTensor {
    ConstTensor { shape: t.shape.clone(), data: t.data.iter().map(|v| v * factor).collect() }
}

/// `A [.., M, K] @ B [.., K, N]` where `B` (and maybe `A`) is computed.
fn activation_matmul(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, y) = (ctx.arg(0)?, ctx.arg(1)?);
    let (sa, sb) = (b.shape(x), b.shape(y));
    let compatible = sa.len() >= 2
        && sa.len() == sb.len()
        && sa[..sa.len() - 2] == sb[..sb.len() - 2]
        && sa[sa.len() - 1] == sb[sb.len() - 2];
    if !compatible {
        return Err(ImportError::unsupported(
            "MatMul",
            ctx.name,
            format!("a product of computed tensors of shapes {sa:?} and {sb:?} (the leading axes must match)"),
        ));
    }
    let mut shape = sa.clone();
    *shape.last_mut().unwrap() = sb[sb.len() - 1];
    let (xi, yi) = (b.node_of(x, ctx.name), b.node_of(y, ctx.name));
    Ok(Value::Node(b.push(ctx.name, Op::MatMul, vec![xi, yi], shape)))
}
