//! MaxPool windows, ReduceMax/ReduceMin, element-wise Max/Min: the extremum over the input's last
//! axis, one row and one range check per input element.

use crate::circuit::config::ModelConfig;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QuantizedModel};
use halo2_proofs::plonk::Error;

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    node: &QNode,
    x: &[Wire],
    max: bool,
) -> Result<Vec<Wire>, Error> {
    let window = *model.nodes[node.inputs[0]].shape.last().unwrap_or(&1);
    let gadget = cfg.extremum.as_ref().expect("a model with max/min layers is configured with the extremum gadget");
    gadget.assign(ctx, x, window, max)
}
