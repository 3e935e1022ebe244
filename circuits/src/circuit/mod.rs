//! The halo2 circuit of a quantized model.

pub mod config;
pub mod cost;
pub mod params;
pub mod region;
#[cfg(test)]
mod tests;

use crate::layers;
use crate::quantize::QuantizedModel;
use config::ModelConfig;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner},
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};
use params::CircuitParams;
use region::{fr_from_i128, RegionCtx};
use std::sync::Arc;

/// Row 0 is left empty so that no gate ever reads across the start of the region.
pub const FIRST_ROW: usize = 1;
/// Rows at the end of the domain that halo2 reserves for blinding (an upper bound).
pub(crate) const BLINDING_MARGIN: usize = 8;

/// One inference of a quantized model as a halo2 circuit.
///
/// Public instances (one column): the quantized input, then every output, in order. Weights are
/// fixed columns, so the verifying key commits to the model.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
    pub model: Arc<QuantizedModel>,
    pub params: CircuitParams,
    /// The quantized input; `None` for key generation.
    pub input: Option<Arc<Vec<i128>>>,
}

impl ModelCircuit {
    pub fn new(model: Arc<QuantizedModel>, params: CircuitParams, input: Option<Vec<i128>>) -> Self {
        Self { model, params, input: input.map(Arc::new) }
    }

    /// The instance column for a quantized input and the outputs it produces.
    pub fn instances(input: &[i128], outputs: &[Vec<i128>]) -> Vec<Fr> {
        input.iter().chain(outputs.iter().flatten()).map(|&v| fr_from_i128(v)).collect()
    }
}

impl Circuit<Fr> for ModelCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitParams;

    fn without_witnesses(&self) -> Self {
        Self { input: None, ..self.clone() }
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
        config.range.load(&mut layouter)?;
        if let Some(lut) = &config.lut {
            lut.load(&mut layouter, &self.model.luts, self.params.bits)?;
        }
        let wires = layouter.assign_region(
            || "model",
            |mut region| {
                let mut ctx = RegionCtx::new(&mut region, FIRST_ROW);
                let wires = layers::assign_model(&config, &mut ctx, &self.model, self.input.as_deref().map(|v| v.as_slice()))?;
                // the same count `cost` predicts; a mismatch is a layout bug
                debug_assert_eq!(ctx.row(), cost::stats(&self.model, self.params).used_rows);
                if ctx.row() + BLINDING_MARGIN > 1usize << self.params.k {
                    return Err(Error::NotEnoughRowsAvailable { current_k: self.params.k });
                }
                Ok(wires)
            },
        )?;
        let public = wires.input.iter().chain(wires.outputs.iter().flatten());
        for (row, wire) in public.enumerate() {
            layouter.constrain_instance(wire.cell, config.instance, row);
        }
        Ok(())
    }
}
