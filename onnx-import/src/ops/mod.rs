//! Lowering of ONNX ops to IR nodes, one file per op family. An op whose inputs are all constant
//! is folded into a constant.

mod compare;
mod constant;
mod conv;
mod elementwise;
mod linear;
mod masked_softmax;
mod ml;
mod recurrent;
mod reduce;
mod relu;
mod resize;
mod select;
mod shape;
mod table_gather;
mod unary;
mod window;

use crate::graph_builder::Builder;
use crate::proto::ConstTensor;
use crate::ImportError;
use std::path::Path;
use tract_onnx::pb::NodeProto;

/// An ONNX value during import: a node's output or a (folded) constant.
#[derive(Clone, Debug)]
pub enum Value {
    Node(usize),
    Const(ConstTensor),
}

/// What an op lowering sees: the node, its name for messages, and its inputs (None = omitted).
pub struct OpCtx<'a> {
    pub node: &'a NodeProto,
    pub name: &'a str,
    pub args: Vec<Option<Value>>,
    pub path: &'a Path,
    /// The model's default-domain opset (some ops changed semantics across opsets).
    pub opset: i64,
}

impl OpCtx<'_> {
    pub fn op(&self) -> &str {
        &self.node.op_type
    }

    pub fn arg(&self, i: usize) -> Result<&Value, ImportError> {
        self.args.get(i).and_then(|a| a.as_ref()).ok_or_else(|| self.error(format!("input #{i} is missing")))
    }

    pub fn opt_const(&self, i: usize) -> Result<Option<&ConstTensor>, ImportError> {
        match self.args.get(i).and_then(|a| a.as_ref()) {
            None => Ok(None),
            Some(Value::Const(t)) => Ok(Some(t)),
            Some(Value::Node(_)) => Err(ImportError::unsupported(
                self.op(),
                self.name,
                format!("input #{i} must be a constant, it is computed from the model input"),
            )),
        }
    }

    pub fn error(&self, reason: impl Into<String>) -> ImportError {
        ImportError::BadNode { op: self.op().to_string(), node: self.name.to_string(), reason: reason.into() }
    }
}

/// A graph output ONNX types as integers and the ops compute as integers (a count, a label, an
/// index): every node it is derived through keeps its integers exact (scale ≥ 0).
pub fn guard_integer_output(b: &mut Builder, id: usize, name: &str) {
    if compare::is_integral(b, id) {
        let why = format!("the integer output '{name}' would be rounded to other integers");
        table_gather::guard_integers(b, id, &why, None);
    }
}

pub fn lower(
    b: &mut Builder,
    node: &NodeProto,
    name: &str,
    args: Vec<Option<Value>>,
    path: &Path,
    opset: i64,
) -> Result<Vec<Value>, ImportError> {
    let ctx = OpCtx { node, name, args, path, opset };
    match node.domain.as_str() {
        "" | "ai.onnx" => {}
        "ai.onnx.ml" => return ml::lower(b, &ctx),
        other => {
            return Err(ImportError::unsupported(
                &format!("{other}:{}", node.op_type),
                name,
                "operator domain not supported",
            ))
        }
    }
    let out = match node.op_type.as_str() {
        "Constant" => constant::lower(&ctx)?,
        "ConstantOfShape" => constant::of_shape(&ctx)?,
        "Range" => constant::range(&ctx)?,
        "Trilu" => select::trilu(b, &ctx)?,
        "Gemm" => linear::gemm(b, &ctx)?,
        "MatMul" => linear::matmul(b, &ctx)?,
        "Add" | "Sub" | "Mul" => elementwise::lower(b, &ctx)?,
        "Sum" | "Mean" => elementwise::sum(b, &ctx)?,
        "Relu" => relu::lower(b, &ctx)?,
        "Sigmoid" | "Tanh" | "Exp" | "Log" | "Erf" | "Gelu" | "Sqrt" | "Reciprocal" | "Softplus" | "Abs" | "Neg"
        | "LeakyRelu" | "Elu" | "HardSigmoid" | "Clip" | "Pow" | "Selu" | "Celu" | "HardSwish" | "Softsign"
        | "Mish" => unary::lower(b, &ctx)?,
        "PRelu" => relu::prelu(b, &ctx)?,
        "Div" => unary::div(b, &ctx)?,
        "Conv" => conv::conv(b, &ctx)?,
        "ConvTranspose" => conv::conv_transpose(b, &ctx)?,
        "AveragePool" | "GlobalAveragePool" => conv::average_pool(b, &ctx)?,
        "BatchNormalization" => elementwise::batch_norm(b, &ctx)?,
        "Transpose" => select::transpose(b, &ctx)?,
        "ReduceMax" | "ReduceMin" | "ReduceSum" | "ReduceMean" => reduce::reduce(b, &ctx)?,
        "Max" | "Min" => reduce::elementwise(b, &ctx)?,
        "MaxPool" => reduce::max_pool(b, &ctx)?,
        "LayerNormalization" => reduce::layer_norm(b, &ctx)?,
        "InstanceNormalization" => reduce::instance_norm(b, &ctx)?,
        "Resize" | "Upsample" => resize::lower(b, &ctx)?,
        "Softmax" | "LogSoftmax" => reduce::softmax(b, &ctx)?,
        "Slice" => select::slice(b, &ctx)?,
        "Gather" => select::gather(b, &ctx)?,
        "Expand" | "Tile" => select::expand_or_tile(b, &ctx)?,
        "Pad" => select::pad(b, &ctx)?,
        "Split" => return select::split(b, &ctx),
        "LSTM" | "GRU" | "RNN" => return recurrent::lower(b, &ctx),
        "Concat" => select::concat(b, &ctx)?,
        "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual" | "Equal" | "Not" | "Where" | "ArgMax" | "ArgMin" => {
            compare::lower(b, &ctx)?
        }
        "Identity" | "Dropout" => ctx.arg(0)?.clone(),
        "Cast" => shape::cast(b, &ctx)?,
        "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" => shape::reshape(b, &ctx)?,
        "Shape" => shape::shape_of(b, &ctx)?,
        other => return Err(ImportError::unsupported(other, name, "")),
    };
    Ok(vec![out])
}
