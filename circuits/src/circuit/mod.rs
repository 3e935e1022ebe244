//! The halo2 circuit of a quantized model.

pub mod config;
pub mod cost;
pub mod params;
pub mod public;
#[cfg(test)]
mod tests;
pub mod visibility;

use crate::gadgets::{
    poseidon::{Domain, Word},
    PackGadget,
};
use crate::layers;
use crate::layout::region::{fr_from_i128, RegionCtx, Wire};
use crate::quantize::QuantizedModel;
use config::ModelConfig;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};
use params::CircuitParams;
use public::PublicPart;
use std::sync::Arc;
use visibility::Opening;

/// Row 0 is left empty so that no gate ever reads across the start of the region.
pub const FIRST_ROW: usize = 1;

/// One inference of a quantized model as a halo2 circuit.
///
/// Public instances (one column): the input part, the output part, then the parameter part,
/// each the quantized values, their Poseidon commitment or nothing, as `params.visibility` says.
/// Fixed parameters (the default) are fixed columns, so the verifying key commits to the model.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
    pub model: Arc<QuantizedModel>,
    pub params: CircuitParams,
    /// The quantized input; `None` for key generation.
    pub input: Option<Arc<Vec<i128>>>,
    /// A salted input's owner and salt; `None` for key generation (and for other models).
    pub opening: Option<Opening>,
}

impl ModelCircuit {
    pub fn new(model: Arc<QuantizedModel>, params: CircuitParams, input: Option<Vec<i128>>) -> Self {
        Self { model, params, input: input.map(Arc::new), opening: None }
    }

    /// The circuit with a salted input's owner and salt.
    pub fn with_opening(self, opening: Option<Opening>) -> Self {
        Self { opening, ..self }
    }

    /// The instance column for a quantized input (with its opening, when salted) and the outputs
    /// it produces.
    pub fn instances(
        params: &CircuitParams,
        model: &QuantizedModel,
        input: &[i128],
        outputs: &[Vec<i128>],
        opening: Option<&Opening>,
    ) -> Vec<Fr> {
        params.instances(input, outputs, &model.param_values(params.visibility.witness_params()), opening)
    }
}

impl Circuit<Fr> for ModelCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitParams;

    fn without_witnesses(&self) -> Self {
        Self { input: None, opening: None, ..self.clone() }
    }

    fn params(&self) -> CircuitParams {
        self.params
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> ModelConfig {
        ModelConfig::configure(meta, params)
    }

    fn configure(_meta: &mut ConstraintSystem<Fr>) -> ModelConfig {
        unreachable!("the model circuit is always configured with its CircuitParams")
    }

    fn synthesize(&self, config: ModelConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        if let Some(range) = &config.range {
            range.load(&mut layouter)?;
        }
        if let Some(lut) = &config.lut {
            lut.load(&mut layouter, &self.model.luts, self.model.lut_domain_bits())?;
        }
        let public = layouter.assign_region(
            || "model",
            |mut region| {
                let mut ctx = RegionCtx::new(&mut region, FIRST_ROW);
                let wires =
                    layers::assign_model(&config, &mut ctx, &self.model, self.input.as_deref().map(|v| v.as_slice()))?;
                let outputs: Vec<Wire> = wires.outputs.iter().flatten().copied().collect();
                let [input_part, output_part, params_part] = self.params.public_parts();
                let opening = self.opening;
                let mut public =
                    exposed(&config, &mut ctx, input_part, config.pack_input.as_ref(), &wires.input, opening)?;
                public.extend(exposed(&config, &mut ctx, output_part, config.pack_output.as_ref(), &outputs, None)?);
                public.extend(exposed(&config, &mut ctx, params_part, None, &wires.params, None)?);
                // exactly the instances the key expects: each one is pinned to a cell
                let params_len = self.model.param_values(self.params.visibility.witness_params()).len();
                if public.len()
                    != self.params.num_instances(self.model.input_node().len(), self.model.output_len(), params_len)
                {
                    return Err(Error::Synthesis);
                }
                // second phase: every first-phase cell is assigned, the challenges can be drawn
                if let Some(gadget) = &config.freivalds {
                    ctx.next_phase();
                    for check in &wires.checks {
                        gadget.finish(&mut ctx, check)?;
                    }
                }
                // the same count `cost` predicts; a mismatch is a layout bug
                debug_assert_eq!(ctx.row(), cost::stats(&self.model, self.params).used_rows);
                // the floor planner writes the pinned constants when the region closes, and
                // panics past the usable rows: refuse here instead
                if ctx.row() > config.usable_rows || ctx.constant_rows() > config.usable_rows {
                    return Err(Error::NotEnoughRowsAvailable { current_k: self.params.k });
                }
                Ok(public)
            },
        )?;
        for (row, cell) in public.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, row);
        }
        Ok(())
    }
}

/// The cells a tensor contributes to the instance column: its values, the words packing them,
/// its commitment (hashed in the circuit here), or none. A salted input contributes its owner,
/// then the commitment to `(owner, salt, values)`: the owner and the salt are assigned in the
/// hash's first absorb row (unknown at key generation), the owner's cell pinned to its instance,
/// the salt's read by nothing but the hash.
fn exposed(
    config: &ModelConfig,
    ctx: &mut RegionCtx,
    part: PublicPart,
    packer: Option<&PackGadget>,
    wires: &[Wire],
    opening: Option<Opening>,
) -> Result<Vec<halo2_proofs::circuit::Cell>, Error> {
    Ok(match part {
        PublicPart::Values => wires.iter().map(|w| w.cell).collect(),
        PublicPart::Packed(_) => {
            packer.expect("a packed tensor is configured with the packing gadget").assign(ctx, wires)?
        }
        PublicPart::Commitment => {
            let gadget =
                config.poseidon.as_ref().expect("a model with a hashed tensor is configured with the Poseidon gadget");
            vec![gadget.assign(ctx, wires)?.0]
        }
        PublicPart::SaltedCommitment => {
            let gadget =
                config.poseidon.as_ref().expect("a model with a salted input is configured with the Poseidon gadget");
            let known = |f: fn(&Opening) -> Fr| opening.as_ref().map_or(Value::unknown(), |o| Value::known(f(o)));
            let mut words = vec![Word::Here(known(|o| o.owner)), Word::Here(known(|o| o.salt))];
            words.extend(wires.iter().map(|w| Word::Copy(w.cell, w.value.map(fr_from_i128))));
            let (commitment, _, here) = gadget.assign_words(ctx, &words, Domain::Salted)?;
            vec![here[0], commitment]
        }
        PublicPart::Nothing => vec![],
    })
}
