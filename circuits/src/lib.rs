//! zkinfer-circuits: from a model graph to a halo2 circuit.
//!
//! The pipeline inside this crate follows the module layout:
//! [`ir`] (graph of ops with static shapes) → [`quantize`] (fixed-point scales, calibration,
//! integer evaluation) → [`layout`] (the row cursor and slot encoding the gadgets assign through) → [`gadgets`] (gates and the range table) → [`layers`] (one chip per op)
//! → [`circuit`] (column layout, the halo2 `Circuit`, sizing).

pub mod circuit;
pub mod cpu;
pub mod gadgets;
pub mod ir;
pub mod layers;
pub mod layout;
pub mod lint;
pub mod quantize;

pub use circuit::{cost::CircuitStats, params::CircuitParams, ModelCircuit};
pub use halo2_proofs;
pub use ir::{Graph, Node, Op, Tensor};
pub use quantize::{QuantError, QuantizeOptions, QuantizedModel, Witness};
