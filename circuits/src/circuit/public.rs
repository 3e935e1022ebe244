//! How each tensor appears in the instance column: one instance per value, several values
//! packed into one instance, one commitment, or nothing.
//!
//! **Packing.** A public tensor whose values are bounded (`|v| < 2^b`, see
//! `QuantizedModel::magnitude_bounds`) can be packed: each value is offset into a slot of
//! `S = b + 1` bits, `s = v + 2^(S-1) ∈ [0, 2^S)`, and `⌊252 / S⌋` slots fill
//! one instance, `word = Σ_j s_j · 2^(S·j)`, little end first. The circuit range-checks every
//! slot's limbs against the range table (and a narrower top limb through its shifted copy), so the
//! encoding is unique: a word determines the values.
//! Packing 794 MNIST values into 57 instances keeps the on-chain verifier under EIP-170, at the
//! price of one range-checked row per limb in the circuit.

use super::params::CircuitParams;
use super::visibility::Visibility;
use crate::circuit::region::fr_from_i128;
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

/// One tensor's share of the instance column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicPart {
    Values,
    Packed(Packing),
    Commitment,
    Nothing,
}

impl PublicPart {
    /// Instances a tensor of `len` values takes.
    pub fn len(&self, len: usize) -> usize {
        match self {
            Self::Values => len,
            Self::Packed(p) => p.words(len),
            Self::Commitment => 1,
            Self::Nothing => 0,
        }
    }

    pub fn encode(&self, values: &[i128]) -> Vec<Fr> {
        match self {
            Self::Values => values.iter().map(|&v| fr_from_i128(v)).collect(),
            Self::Packed(p) => p.pack(values),
            Self::Commitment => vec![super::visibility::commitment(values)],
            Self::Nothing => vec![],
        }
    }

    /// How a tensor of `len` values appears, in words (for `zkinfer inspect` and contract authors).
    pub fn describe(&self, len: usize) -> String {
        match self {
            Self::Values if len == 1 => "1 value".into(),
            Self::Values => format!("{len} values, one per instance"),
            Self::Packed(p) => format!(
                "{len} values packed {} per instance in {}-bit slots (v + 2^{}, first value lowest)",
                p.per_word(),
                p.slot_bits(),
                p.slot_bits() - 1
            ),
            Self::Commitment => format!("the Poseidon commitment to {len} values"),
            Self::Nothing => "not public".into(),
        }
    }

    /// The `len` values these instances show, for a part that shows values.
    pub fn decode(&self, instances: &[Fr], len: usize, to_int: impl Fn(&Fr) -> Option<i128>) -> Option<Vec<i128>> {
        match self {
            Self::Values => {
                (instances.len() == len).then(|| instances.iter().map(to_int).collect::<Option<Vec<_>>>())?
            }
            Self::Packed(p) => p.unpack(instances, len),
            Self::Commitment | Self::Nothing => None,
        }
    }
}

impl CircuitParams {
    /// The input, output and parameter parts of the instance column, in that order.
    pub fn public_parts(&self) -> [PublicPart; 3] {
        let part = |visibility: Visibility, pack: u32| match visibility {
            Visibility::Public if pack > 0 => {
                PublicPart::Packed(Packing { slot_bits: pack, limb_bits: self.table_bits() })
            }
            Visibility::Public => PublicPart::Values,
            Visibility::Hashed => PublicPart::Commitment,
            Visibility::Private | Visibility::Fixed => PublicPart::Nothing,
        };
        let vis = self.visibility;
        [part(vis.input, self.pack_input), part(vis.output, self.pack_output), part(vis.params, 0)]
    }

    /// Each part's name, first instance, instance count and description, for tensors of these
    /// lengths.
    pub fn public_layout(
        &self,
        input_len: usize,
        output_len: usize,
        param_len: usize,
    ) -> Vec<(&'static str, usize, usize, String)> {
        let mut start = 0;
        let mut layout = Vec::new();
        for ((name, part), len) in ["input", "output", "parameters"]
            .into_iter()
            .zip(self.public_parts())
            .zip([input_len, output_len, param_len])
        {
            let n = part.len(len);
            layout.push((name, start, n, part.describe(len)));
            start += n;
        }
        layout
    }

    pub fn num_instances(&self, input_len: usize, output_len: usize, param_len: usize) -> usize {
        let [i, o, p] = self.public_parts();
        i.len(input_len) + o.len(output_len) + p.len(param_len)
    }

    /// The public instances: the input part, the output part (all outputs in order), then the
    /// parameter part.
    pub fn instances(&self, input: &[i128], outputs: &[Vec<i128>], params: &[i128]) -> Vec<Fr> {
        let flat: Vec<i128> = outputs.iter().flatten().copied().collect();
        let [i, o, p] = self.public_parts();
        let mut out = i.encode(input);
        out.extend(o.encode(&flat));
        out.extend(p.encode(params));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_rejects_stray_bits() {
        let p = Packing { slot_bits: 13, limb_bits: 12 };
        assert_eq!(p.per_word(), 19);
        let values: Vec<i128> = (0..41).map(|i| (i * 371 % 4096) - 2048).chain([4095, -4095]).collect();
        let words = p.pack(&values);
        assert_eq!(words.len(), 3);
        assert_eq!(p.unpack(&words, values.len()), Some(values.clone()));
        // a set bit past the last slot of the final word is not a packing
        let mut bad = words.clone();
        *bad.last_mut().unwrap() += p.coefficient(p.per_word() - 1) * Fr::from(5);
        assert_eq!(p.unpack(&bad, values.len()), None);
        assert_eq!(p.unpack(&words[..2], values.len()), None);
    }

    #[test]
    fn limbs_recombine_to_the_offset_value() {
        let p = Packing { slot_bits: 17, limb_bits: 8 };
        assert_eq!((p.limbs(), p.top_bits(), p.rows_per_value()), (3, 1, 4));
        for v in [-(1 << 16), -1, 0, 1, (1 << 16) - 1] {
            let cells = p.cells_of(v);
            assert!(cells.iter().all(|&l| (0..256).contains(&l)), "{v}: {cells:?}");
            assert_eq!(cells[..3].iter().rev().fold(0, |acc, &l| (acc << 8) + l), v + p.offset());
            assert_eq!(cells[3], cells[2] << 7);
        }
        // one past the slot: the shifted top limb leaves the table
        assert!(p.cells_of(1 << 16)[3] >= 256);
    }
}
