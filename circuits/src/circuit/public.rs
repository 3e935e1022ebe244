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
use super::visibility::{salted_commitment, Opening, Visibility};
pub use crate::layout::packing::{Packing, MAX_SLOT_BITS, WORD_BITS};
use crate::layout::region::fr_from_i128;
use halo2_proofs::halo2curves::bn256::Fr;

/// One tensor's share of the instance column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicPart {
    Values,
    Packed(Packing),
    Commitment,
    /// The owner, then the commitment to `(owner, salt, values)` (a salted input).
    SaltedCommitment,
    Nothing,
}

impl PublicPart {
    /// Instances a tensor of `len` values takes.
    pub fn len(&self, len: usize) -> usize {
        match self {
            Self::Values => len,
            Self::Packed(p) => p.words(len),
            Self::Commitment => 1,
            Self::SaltedCommitment => 2,
            Self::Nothing => 0,
        }
    }

    /// The instances of a tensor; a salted one needs its opening (the prover checks it has one).
    pub fn encode(&self, values: &[i128], opening: Option<&Opening>) -> Vec<Fr> {
        match self {
            Self::Values => values.iter().map(|&v| fr_from_i128(v)).collect(),
            Self::Packed(p) => p.pack(values),
            Self::Commitment => vec![super::visibility::commitment(values)],
            Self::SaltedCommitment => {
                let opening = opening.expect("a salted input is encoded with its owner and salt");
                vec![opening.owner, salted_commitment(opening, values)]
            }
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
            Self::SaltedCommitment => {
                format!("the owner, then the Poseidon commitment to (owner, salt, {len} values); the salt is private")
            }
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
            Self::Commitment | Self::SaltedCommitment | Self::Nothing => None,
        }
    }
}

impl CircuitParams {
    /// Whether the input is range-checked by the signed-range gadget: unless it is a packed
    /// public input whose slots check the same bound or a tighter one (`pack_input` alone says
    /// nothing for an input that is not public).
    pub fn checks_input_range(&self) -> bool {
        !matches!(self.public_parts()[0], PublicPart::Packed(p) if p.slot_bits <= self.bits + 1)
    }

    /// Rows of the model input: its values with their range checks, or (packed) plain cells.
    pub fn input_rows(&self, len: usize) -> usize {
        use crate::gadgets::SignedRangeGadget as G;
        if self.checks_input_range() {
            G::rows_for(len, G::lanes_for(self.width, self.range_columns), self.limbs)
        } else {
            self.load_rows(len)
        }
    }

    /// The input, output and parameter parts of the instance column, in that order.
    pub fn public_parts(&self) -> [PublicPart; 3] {
        let part = |visibility: Visibility, pack: u32| match visibility {
            Visibility::Public if pack > 0 => {
                PublicPart::Packed(Packing { slot_bits: pack, limb_bits: self.table_bits() })
            }
            Visibility::Public => PublicPart::Values,
            Visibility::Hashed => PublicPart::Commitment,
            Visibility::Salted => PublicPart::SaltedCommitment,
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
    /// parameter part. `opening` is a salted input's owner and salt.
    pub fn instances(
        &self,
        input: &[i128],
        outputs: &[Vec<i128>],
        params: &[i128],
        opening: Option<&Opening>,
    ) -> Vec<Fr> {
        let flat: Vec<i128> = outputs.iter().flatten().copied().collect();
        let [i, o, p] = self.public_parts();
        let mut out = i.encode(input, opening);
        out.extend(o.encode(&flat, None));
        out.extend(p.encode(params, None));
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
