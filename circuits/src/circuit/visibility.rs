//! What the verifier sees of each tensor kind (the names EZKL users know):
//!
//! - `public`: the values are public instances;
//! - `private`: witness only — the proof says nothing about them beyond the model's relation;
//! - `hashed`: one public instance, the Poseidon commitment to the values, computed in the
//!   circuit, so a contract can check it against a commitment registered elsewhere without the
//!   values being revealed;
//! - `salted` (input only): two public instances, the *owner* (whom the proof is for: a
//!   borrower's address, any field element) and the Poseidon commitment to `(owner, salt,
//!   values)`, with the salt a private field element of the prover's: equal or guessable inputs
//!   neither share nor reveal a commitment, and a commitment names its owner;
//! - `fixed` (parameters only): the weights are fixed columns, committed in the verifying key, so
//!   the verifier (or the contract embedding it) pins the model.
//!
//! Parameters that are not `fixed` (every `Linear`'s weights and bias, every constant tensor)
//! are advice cells, and a `Linear` multiplies two advice vectors; `private` parameters are then
//! any the prover likes, so only `hashed` (or `public`) ones pin the model.
//!
//! The public instances are the input part, the output part (all outputs in order), then the
//! parameter part.

use crate::gadgets::poseidon;
use crate::layout::region::fr_from_i128;
use halo2_proofs::halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Private,
    Hashed,
    Salted,
    Fixed,
}

impl FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "public" => Ok(Self::Public),
            "private" => Ok(Self::Private),
            "hashed" => Ok(Self::Hashed),
            "salted" => Ok(Self::Salted),
            "fixed" => Ok(Self::Fixed),
            other => Err(format!("unknown visibility '{other}' (public, private, hashed, salted or fixed)")),
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Hashed => "hashed",
            Self::Salted => "salted",
            Self::Fixed => "fixed",
        })
    }
}

/// The Poseidon commitment to quantized values (each as its field element; negatives wrap).
pub fn commitment(values: &[i128]) -> Fr {
    let elements: Vec<Fr> = values.iter().map(|&v| fr_from_i128(v)).collect();
    poseidon::hash(&elements)
}

/// What opens a salted input's commitment besides the values: the owner, which is public, and
/// the salt, which stays private.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    pub owner: Fr,
    pub salt: Fr,
}

/// The commitment of a salted input: Poseidon over `(owner, salt, values...)`, in the salted
/// domain (never a plain commitment of the same words).
pub fn salted_commitment(opening: &Opening, values: &[i128]) -> Fr {
    let mut elements = vec![opening.owner, opening.salt];
    elements.extend(values.iter().map(|&v| fr_from_i128(v)));
    poseidon::hash_in(poseidon::Domain::Salted, &elements)
}

/// The visibility of the model input, its outputs and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelVisibility {
    pub input: Visibility,
    pub output: Visibility,
    pub params: Visibility,
}

impl Default for ModelVisibility {
    fn default() -> Self {
        Self { input: Visibility::Public, output: Visibility::Public, params: Visibility::Fixed }
    }
}

impl ModelVisibility {
    pub fn validate(&self) -> Result<(), String> {
        for (kind, v) in [("input", self.input), ("output", self.output)] {
            if v == Visibility::Fixed {
                return Err(format!(
                    "--{kind}-visibility fixed: only parameters can be fixed (public, private or hashed)"
                ));
            }
        }
        for (kind, v) in [("output", self.output), ("param", self.params)] {
            if v == Visibility::Salted {
                return Err(format!(
                    "--{kind}-visibility salted: only the input can be salted (public, private or hashed)"
                ));
            }
        }
        Ok(())
    }

    /// Whether the weights are advice cells (any parameter visibility but `fixed`).
    pub fn witness_params(&self) -> bool {
        self.params != Visibility::Fixed
    }

    /// Whether the circuit hashes anything (and so needs the Poseidon gadget).
    pub fn hashes(&self) -> bool {
        [self.input, self.output, self.params].contains(&Visibility::Hashed) || self.input == Visibility::Salted
    }
}
