//! The slot encoding of a packed public tensor (see `circuit::public` for when a tensor is
//! packed): each value offset into an `S`-bit slot, `⌊252 / S⌋` slots to an instance. It sits
//! below the gadgets because the pack gadget lays out exactly these slots.

use super::region::fr_from_i128;
use halo2_proofs::halo2curves::{
    bn256::Fr,
    ff::{Field, PrimeField},
};

/// Bits of an instance that slots may fill (the field has 254).
pub const WORD_BITS: u32 = 252;
/// The widest slot packing supports (values are held as `i128` on the way).
pub const MAX_SLOT_BITS: u32 = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packing {
    /// Bits of one slot, `S`.
    pub slot_bits: u32,
    /// Bits of one range-table limb, `t`.
    pub limb_bits: u32,
}

impl Packing {
    /// Slot bits for values with `|v| < 2^magnitude_bits`: one bit more, for the sign.
    pub fn slot_for(magnitude_bits: u32) -> u32 {
        magnitude_bits + 1
    }

    pub fn slot_bits(&self) -> u32 {
        self.slot_bits
    }

    /// Range-table limbs per slot.
    pub fn limbs(&self) -> u32 {
        self.slot_bits.div_ceil(self.limb_bits)
    }

    /// Bits of the top limb; when fewer than a limb's, the circuit also looks up
    /// `top · 2^(t - top_bits)`, which bounds the top limb to `top_bits`.
    pub fn top_bits(&self) -> u32 {
        self.slot_bits - (self.limbs() - 1) * self.limb_bits
    }

    pub fn checks_top(&self) -> bool {
        self.top_bits() < self.limb_bits
    }

    /// Range-checked cells (and rows) per value.
    pub fn rows_per_value(&self) -> usize {
        self.limbs() as usize + self.checks_top() as usize
    }

    /// `2^(S-1)`: the offset that makes a slot's value non-negative.
    pub fn offset(&self) -> i128 {
        1i128 << (self.slot_bits() - 1)
    }

    pub fn per_word(&self) -> usize {
        (WORD_BITS / self.slot_bits()) as usize
    }

    pub fn words(&self, len: usize) -> usize {
        len.div_ceil(self.per_word())
    }

    /// The slot's range-checked cells: its limbs, low first, then the shifted top limb if it is
    /// checked. A value outside the slot yields a cell outside the table, so a wrong witness
    /// still fails the lookup.
    pub fn cells_of(&self, v: i128) -> Vec<i128> {
        let s = v + self.offset();
        let (t, m) = (self.limb_bits, self.limbs());
        let mask = (1i128 << t) - 1;
        let mut cells: Vec<i128> =
            (0..m).map(|l| if l + 1 == m { s >> (t * l) } else { (s >> (t * l)) & mask }).collect();
        if self.checks_top() {
            cells.push(cells[m as usize - 1] << (t - self.top_bits()));
        }
        cells
    }

    /// `2^(S·j)`: the weight of slot `j` in its word.
    pub fn coefficient(&self, j: usize) -> Fr {
        Fr::from(2).pow_vartime([(self.slot_bits() as usize * j) as u64])
    }

    pub fn pack(&self, values: &[i128]) -> Vec<Fr> {
        values
            .chunks(self.per_word())
            .map(|chunk| {
                chunk
                    .iter()
                    .enumerate()
                    .fold(Fr::zero(), |word, (j, &v)| word + fr_from_i128(v + self.offset()) * self.coefficient(j))
            })
            .collect()
    }

    /// The `len` values of these words, or `None` when a word is not a valid packing.
    pub fn unpack(&self, words: &[Fr], len: usize) -> Option<Vec<i128>> {
        if words.len() != self.words(len) {
            return None;
        }
        let slot = self.slot_bits() as usize;
        let mut values = Vec::with_capacity(len);
        for (w, word) in words.iter().enumerate() {
            let bits = bits_le(word);
            let count = self.per_word().min(len - w * self.per_word());
            if bits[count * slot..].iter().any(|&b| b) {
                return None;
            }
            for j in 0..count {
                let s = bits[j * slot..(j + 1) * slot].iter().rev().fold(0i128, |acc, &b| (acc << 1) | b as i128);
                values.push(s - self.offset());
            }
        }
        Some(values)
    }
}

fn bits_le(f: &Fr) -> Vec<bool> {
    f.to_repr().as_ref().iter().flat_map(|byte| (0..8).map(move |i| (byte >> i) & 1 == 1)).collect()
}
