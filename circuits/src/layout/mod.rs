//! Layout primitives under the gadgets: the row cursor a gadget assigns through
//! ([`region`]) and the slot encoding of packed public values ([`packing`]). Nothing here
//! imports a gadget, a layer or the circuit.

pub mod packing;
pub mod region;
