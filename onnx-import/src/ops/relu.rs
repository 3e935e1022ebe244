//! ONNX `Relu` and `PRelu`.

use super::elementwise::binary;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::ImportError;
use zkinfer_circuits::ir::{broadcast_shapes, BinaryKind, Nonlinearity};
use zkinfer_circuits::Op;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    relu(b, ctx.name, ctx.arg(0)?)
}

fn relu(b: &mut Builder, name: &str, x: &Value) -> Result<Value, ImportError> {
    Ok(match x {
        Value::Const(t) => {
            let mut t = t.clone();
            t.data.iter_mut().for_each(|v| *v = v.max(0.0));
            Value::Const(t)
        }
        Value::Node(x) => Value::Node(b.push(name, Op::Relu, vec![*x], b.nodes[*x].shape.clone())),
    })
}

/// `PRelu(x, slope)` = `x` where `x ≥ 0`, else `slope·x`. One slope for every element is
/// `LeakyRelu`'s table lookup; per-channel slopes (broadcast as ONNX does, e.g. `[C, 1, 1]`) are
/// `r + slope·(x − r)` with `r = Relu(x)`: a Relu, a subtraction, a product by the constant
/// slopes and an addition, every one already constrained. Opset 6 and older read a 1-D slope of
/// `C` entries per channel.
pub fn prelu(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let mut slope = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the slope input is missing"))?.clone();
    let x_shape = b.shape(x);
    if ctx.opset < 7 && slope.shape.len() == 1 && x_shape.len() > 2 && slope.shape[0] == x_shape[1] {
        // before opset 7, a 1-D slope of C entries is one per channel (axis 1), as PyTorch
        // exports `nn.PReLU(C)`; from 7 on it broadcasts from the last axis like any operand
        slope.shape = std::iter::once(x_shape[1]).chain(std::iter::repeat_n(1, x_shape.len() - 2)).collect();
    }
    if let (Value::Node(id), Some(&alpha)) = (x, slope.data.first()) {
        let shape = b.nodes[*id].shape.clone();
        if slope.data.iter().all(|&v| v == alpha) && broadcast_shapes(&shape, &slope.shape).as_ref() == Some(&shape) {
            let f = Nonlinearity::LeakyRelu { alpha: alpha as f32 };
            return Ok(Value::Node(b.push(ctx.name, Op::Unary(f), vec![*id], shape)));
        }
    }
    // constants fold through the same steps
    let positive = relu(b, &format!("{}/relu", ctx.name), x)?;
    let negative = binary(b, ctx, BinaryKind::Sub, x, &positive)?;
    let scaled = binary(b, ctx, BinaryKind::Mul, &Value::Const(slope), &negative)?;
    binary(b, ctx, BinaryKind::Add, &positive, &scaled)
}
