//! Less, LessOrEqual (and Greater/GreaterOrEqual with swapped operands) with numpy broadcasting:
//! one comparison-gadget lane and one range check per output element.

use crate::circuit::config::ModelConfig;
use crate::gadgets::Comparison;
use crate::ir::broadcast_source_indices;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QOp, QuantizedModel};
use halo2_proofs::plonk::Error;

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    node: &QNode,
    a: &[Wire],
    b: &[Wire],
) -> Result<Vec<Wire>, Error> {
    let QOp::Compare { strict, ca, cb } = node.op else { unreachable!("compare::assign on {}", node.op_name) };
    let ia = broadcast_source_indices(&model.nodes[node.inputs[0]].shape, &node.shape);
    let ib = broadcast_source_indices(&model.nodes[node.inputs[1]].shape, &node.shape);
    let pairs: Vec<(Wire, Wire)> = ia.iter().zip(&ib).map(|(&i, &j)| (a[i], b[j])).collect();
    let gadget = cfg.compare.as_ref().expect("a model with comparisons is configured with the compare gadget");
    gadget.assign(ctx, &pairs, Comparison { strict, ca, cb })
}
