//! Gadgets: the custom gates and the lookup table every layer is built from. Each gadget owns
//! one gate (or table) and knows how to lay its rows out; layers combine them.

pub mod arith;
pub mod compare;
pub mod dot;
pub mod extremum;
pub mod freivalds;
pub mod lut;
pub mod pack;
pub mod pair_dot;
pub mod poseidon;
pub mod range;
pub mod requant;
pub mod running_sum;
pub mod signed_range;

pub use arith::ArithGadget;
pub use compare::{CompareGadget, Comparison};
pub use dot::DotGadget;
pub use extremum::ExtremumGadget;
pub use freivalds::FreivaldsGadget;
pub use lut::LutGadget;
pub use pack::PackGadget;
pub use pair_dot::PairDotGadget;
pub use poseidon::PoseidonGadget;
pub use range::RangeTable;
pub use requant::RequantGadget;
pub use running_sum::RunningSum;
pub use signed_range::SignedRangeGadget;
