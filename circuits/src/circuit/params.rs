//! The shape of a model circuit: what `configure` needs to rebuild the constraint system, stored
//! beside the keys so a verifying key can be read back.

use super::visibility::ModelVisibility;
use serde::{Deserialize, Serialize};

/// The narrowest layout: a dot product's input and running sum, a requantization's or a table
/// lookup's input and output. The arithmetic gate's `(a, b, c)` lane (and the pair-dot and max
/// gadgets) need three; see `CircuitParams::min_width`.
pub const MIN_WIDTH: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitParams {
    /// log2 of the number of rows.
    pub k: u32,
    /// Main advice columns: a dot-product row multiplies `width - 1` inputs by fixed weights.
    pub width: usize,
    /// Range-check table bits: requantized values and remainders lie in `[0, 2^bits)`.
    pub bits: u32,
    /// Tables of nonlinear functions (0: no lookup gadget for them is configured).
    #[serde(default)]
    pub luts: usize,
    /// Whether the max/min gadget is configured (the model has MaxPool, ReduceMax, Max, …).
    #[serde(default)]
    pub extremum: bool,
    /// Whether the dot product of two computed tensors is configured (MatMul of activations).
    #[serde(default)]
    pub pair_dot: bool,
    /// Whether the comparison gadget is configured (Less, Greater, Equal, Where, ArgMax, trees).
    #[serde(default)]
    pub compare: bool,
    /// Limbs of every range check: 1 (one cell looked up in `[0, 2^bits)`) or 2 (two cells of
    /// `bits/2` bits, the table only `2^(bits/2)` rows). Two limbs double the rows of
    /// requantizations and comparisons but let a small model run at a small k, or a large one
    /// use more bits at the same k.
    #[serde(default = "one_limb")]
    pub limbs: u32,
    /// What the verifier sees of the input, the outputs and the parameters.
    #[serde(default)]
    pub visibility: ModelVisibility,
    /// Range-checked advice columns: 3 (a requantization's `u, p, n` side by side), 6 (two
    /// requantizations a row: half the rows for three lookup arguments more, which lets a
    /// requantization-heavy model drop a `k`) or 1 (one under the other: three times the rows,
    /// but two lookup arguments fewer, which makes proofs and on-chain verifiers smaller).
    #[serde(default = "three_columns")]
    pub range_columns: usize,
    /// Whether the requantization gate exists (the model rescales a value). The range table and
    /// its checked columns always do: the model input is range-checked in every circuit.
    pub requant: bool,
    /// Whether a constants column exists, for cells pinned to constants (constant tensors,
    /// padding zeros, the max gadget's closing zero, the hash's initial state). Without one,
    /// the permutation has one column fewer.
    #[serde(default = "yes")]
    pub constants: bool,
    /// Whether the element-wise arithmetic gate exists (Add/Sub/Mul, Concat's exact rescale, a
    /// witness-weight bias). Its degree-4 gate needs a selector column of its own.
    #[serde(default = "yes")]
    pub arith: bool,
    /// A floor on the constraint system's degree (0: the gates' own). A higher degree adds a
    /// quotient chunk but packs more columns into each permutation product, and lets more
    /// selectors share a column: the verifier objective tries a few.
    #[serde(default)]
    pub min_degree: usize,
    /// Whether the range check joins the function-table lookup (one range-checked column and
    /// function tables; see `gadgets::lut`).
    #[serde(default)]
    pub folded_range: bool,
    /// Slot bits of a packed input value (0: one instance per value; see `public`).
    #[serde(default)]
    pub pack_input: u32,
    /// Slot bits of a packed output value (0: one instance per value).
    #[serde(default)]
    pub pack_output: u32,
    /// Whether matrix products with many rows are checked by a random challenge (a second
    /// phase: one more advice column and two challenges; see `gadgets::freivalds`). Each
    /// Linear uses it only where it takes fewer rows than its dot products.
    #[serde(default)]
    pub freivalds: bool,
}

fn yes() -> bool {
    true
}

fn one_limb() -> u32 {
    1
}

fn three_columns() -> usize {
    3
}

impl Default for CircuitParams {
    /// Only used by halo2 for `without_witnesses`-style defaults; real circuits always carry
    /// the params chosen at compile time.
    fn default() -> Self {
        Self {
            k: 12,
            width: 16,
            bits: 10,
            luts: 0,
            extremum: false,
            pair_dot: false,
            compare: false,
            limbs: 1,
            visibility: ModelVisibility::default(),
            range_columns: 3,
            requant: true,
            constants: true,
            arith: true,
            min_degree: 0,
            folded_range: false,
            pack_input: 0,
            pack_output: 0,
            freivalds: false,
        }
    }
}

impl CircuitParams {
    /// Whether range checks can fold into the function lookup: one range-checked column, and
    /// function tables to fold into.
    pub fn can_fold_range(&self) -> bool {
        self.range_columns == 1 && self.luts > 0
    }

    /// The narrowest width the configured gadgets fit in: hashing needs 6 columns, comparisons
    /// 4, the arithmetic, max and pair-dot gadgets 3, the rest 2.
    pub fn min_width(&self) -> usize {
        if self.visibility.hashes() {
            6
        } else if self.compare {
            4
        } else if self.arith || self.extremum || self.pair_dot {
            3
        } else {
            MIN_WIDTH
        }
    }

    /// Bits of one limb: the range table is `[0, 2^table_bits)`.
    pub fn table_bits(&self) -> u32 {
        self.bits / self.limbs
    }

    /// Requantizations per row group: each needs 2 main cells and 3 range-checked cells.
    pub fn requant_lanes(&self) -> usize {
        (self.range_columns / 3).min(self.width / 2).max(1)
    }

    /// Max/min windows side by side: each lane needs 3 main cells (`m, x`, the running
    /// product) and its difference's limbs in range-checked columns of the same row; with one
    /// range-checked column the limbs stack and there is one lane.
    pub fn extremum_lanes(&self) -> usize {
        if self.range_columns == 1 {
            1
        } else {
            (self.range_columns / self.limbs as usize).min(self.width / 3).max(1)
        }
    }

    /// Binary-op triples `(a, b, c)` per row.
    pub fn arith_lanes(&self) -> usize {
        self.width / 3
    }

    /// Inputs per dot-product row (the last main column holds the running sum).
    pub fn dot_inputs_per_row(&self) -> usize {
        self.width - 1
    }
}

/// Row counts of each gadget; the gadgets lay out exactly this many rows.
impl CircuitParams {
    pub fn load_rows(&self, len: usize) -> usize {
        len.div_ceil(self.width)
    }

    pub fn pair_dot_rows(&self, len: usize) -> usize {
        len.div_ceil((self.width - 1) / 2).max(1)
    }

    pub fn dot_rows(&self, len: usize) -> usize {
        len.div_ceil(self.dot_inputs_per_row()).max(1)
    }

    pub fn arith_rows(&self, len: usize) -> usize {
        len.div_ceil(self.arith_lanes())
    }

    pub fn requant_rows(&self, len: usize) -> usize {
        // with one range-checked column, `u, p, n` stack in three row groups
        let stacked = if self.range_columns == 1 { 3 } else { 1 };
        len.div_ceil(self.requant_lanes()) * self.limbs as usize * stacked
    }

    /// Rows of the extremum of every consecutive `window` of `len` elements: the windows go
    /// side by side in lanes, one row per element (two when a two-limb difference stacks).
    pub fn extremum_rows(&self, len: usize, window: usize) -> usize {
        let stride = if self.limbs == 2 && self.range_columns == 1 { 2 } else { 1 };
        len.div_ceil(window.max(1)).div_ceil(self.extremum_lanes()) * window * stride
    }

    /// Comparisons per row: four main cells and one range-checked cell each.
    pub fn compare_lanes(&self) -> usize {
        (self.width / crate::gadgets::CompareGadget::MAIN_CELLS).min(self.range_columns)
    }

    pub fn compare_rows(&self, len: usize) -> usize {
        len.div_ceil(self.compare_lanes()) * self.limbs as usize
    }
}
