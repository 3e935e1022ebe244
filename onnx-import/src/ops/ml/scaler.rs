//! `Scaler`: `(x − offset) · scale` per feature (or with one value for all), as a Sub and a Mul
//! by constants (scikit-learn's StandardScaler and MinMaxScaler export to it).

use crate::graph_builder::Builder;
use crate::ops::elementwise::binary;
use crate::ops::{OpCtx, Value};
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::BinaryKind;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let features = *b.shape(x).last().unwrap_or(&1);
    let attrs = Attrs(ctx.node);
    let per_feature = |name: &str, default: f32| -> Result<ConstTensor, ImportError> {
        let v = attrs.floats(name).filter(|v| !v.is_empty()).unwrap_or_else(|| vec![default]);
        if v.len() != 1 && v.len() != features {
            return Err(ctx.error(format!("{name} has {} values for {features} features", v.len())));
        }
        Ok(ConstTensor { shape: vec![v.len()], data: v.iter().map(|&f| f as f64).collect() })
    };
    let (offset, scale) = (per_feature("offset", 0.0)?, per_feature("scale", 1.0)?);
    let centered = if offset.data.iter().all(|&o| o == 0.0) {
        x.clone()
    } else {
        binary(b, ctx, BinaryKind::Sub, x, &Value::Const(offset))?
    };
    binary(b, ctx, BinaryKind::Mul, &centered, &Value::Const(scale))
}
