//! The lowerings' [`Guard`]s checked on the quantized model: what the importer assumed about a
//! node's values for every input, shown here from the static bounds and the chosen scales, or the
//! model is refused with what would break.

use super::{QOp, QuantizedModel};
use crate::ir::{Guard, GuardKind, NodeId};

/// Per node, the largest magnitude of the integers it must hold exactly (None for the rest).
pub fn exact_integer_nodes(guards: &[Guard], nodes: usize) -> Vec<Option<f64>> {
    let mut exact: Vec<Option<f64>> = vec![None; nodes];
    for guard in guards {
        if let GuardKind::ExactIntegers(max) = guard.kind {
            exact[guard.node] = Some(exact[guard.node].map_or(max, |m| m.max(max)));
        }
    }
    exact
}

/// The scale of a node holding integers up to `max`: the calibrated `want`, lowered until `max`
/// fits `bits` bits and raised to 0, where every integer is exact (the guard check refuses the
/// model when `max` does not fit even there).
pub fn integer_scale(want: i32, max: f64, bits: u32) -> i32 {
    let mut fit = want;
    while fit > 0 && max * 2f64.powi(fit) >= 2f64.powi(bits as i32) {
        fit -= 1;
    }
    fit.max(0)
}

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
            GuardKind::ExactIntegers(_) if scale < 0 => {
                return Err(format!(
                    "node '{}' is quantized at scale 2^{scale}, a step of {}, so {}; raise --bits",
                    node.name,
                    2f64.powi(-scale),
                    guard.why
                ));
            }
            // a range-checked node (a requantized one, the input) must hold its integers there
            GuardKind::ExactIntegers(max)
                if range_checked(&node.op) && max * 2f64.powi(scale) >= 2f64.powi(model.bits as i32) =>
            {
                return Err(format!(
                    "node '{}' must hold integers up to {max} exactly (else {}), beyond the {}-bit range at scale \
                     2^{scale}; raise --bits",
                    node.name, guard.why, model.bits
                ));
            }
            GuardKind::ExactIntegers(_) => {}
        }
    }
    Ok(())
}

/// Whether the circuit range-checks a node's values to the bits: a requantized result or the
/// model input (a raw sum or product kept at its scale is not, and holds any integer).
fn range_checked(op: &QOp) -> bool {
    op.requant().is_some() || matches!(op, QOp::Input)
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

#[cfg(test)]
mod tests {
    use super::integer_scale;

    #[test]
    fn integers_keep_a_scale_of_at_least_zero_and_fit_the_bits() {
        assert_eq!(integer_scale(-1, 2099.0, 12), 0, "a negative scale would round odd indices");
        assert_eq!(integer_scale(-3, 2.0, 12), 0);
        assert_eq!(integer_scale(10, 3.0, 12), 10, "3 · 2^10 < 2^12");
        assert_eq!(integer_scale(10, 5.0, 12), 9, "5 · 2^10 would not fit");
        assert_eq!(integer_scale(4, 5000.0, 12), 0, "refused by the check: 5000 does not fit 12 bits");
    }
}
