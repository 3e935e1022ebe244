//! The lowerings' [`Guard`]s checked on the quantized model: what the importer assumed about a
//! node's values for every input, shown here from the static bounds and the chosen scales, or the
//! model is refused with what would break.

use super::{QOp, QuantizedModel};
use crate::ir::{Guard, GuardKind, NodeId};

/// Checks every guard on `model`, the first failure as the error.
pub fn check(guards: &[Guard], model: &QuantizedModel) -> Result<(), String> {
    let bounds = model.magnitude_bounds();
    for guard in guards {
        let node = &model.nodes[guard.node];
        let scale = smallest_scale(model, guard.node);
        match guard.kind {
            GuardKind::MaxMagnitude(limit) => {
                let reach = bounds[guard.node].map(|q| q as f64 / 2f64.powi(scale));
                if reach.is_none_or(|r| r > limit) {
                    let reach = reach.map_or("an unbounded magnitude".to_string(), |r| format!("±{r}"));
                    return Err(format!(
                        "node '{}': at scale 2^{scale} its values can reach {reach}, beyond the ±{limit} {}",
                        node.name, guard.why
                    ));
                }
            }
            GuardKind::ExactIntegers if scale < 0 => {
                return Err(format!(
                    "node '{}' is quantized at scale 2^{scale}, a step of {}, so {}; raise --bits",
                    node.name,
                    2f64.powi(-scale),
                    guard.why
                ));
            }
            GuardKind::ExactIntegers => {}
        }
    }
    Ok(())
}

/// The smallest scale among a node's elements: the input's per-feature scales reach every
/// re-wiring of the input; any other node has one scale.
fn smallest_scale(model: &QuantizedModel, id: NodeId) -> i32 {
    let mut at = id;
    while matches!(model.nodes[at].op, QOp::Reshape | QOp::Select { .. }) {
        at = model.nodes[at].inputs[0];
    }
    if at == model.input {
        model.input_scales().into_iter().min().unwrap_or(model.nodes[at].scale)
    } else {
        model.nodes[id].scale
    }
}
