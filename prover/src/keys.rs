//! Proving and verifying keys, and their files.
//!
//! Both files carry the SRS cut to the circuit's k, so `prove` needs only the proving key and
//! `verify` only the verifying key. Layout: header (magic, version), then length-prefixed blocks:
//! JSON [`KeyInfo`], the SRS (standard halo2 params format), the halo2 key (`RawBytes`).

use crate::compile::CompiledModel;
use crate::error::{Result, ZkError};
use crate::files::{self, Header, PROVING_KEY, VERIFYING_KEY};
use crate::srs::{self, Srs};
use halo2_proofs::{
    halo2curves::bn256::G1Affine,
    plonk::{keygen_pk, keygen_vk_custom, ProvingKey, VerifyingKey},
    poly::commitment::Params,
    SerdeFormat,
};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use zkinfer_circuits::circuit::visibility::Visibility;
use zkinfer_circuits::{CircuitParams, ModelCircuit};
use zkinfer_verifier_contract::deploy::PinnedParams;

/// What a key says about the circuit it belongs to; a verifier needs it to read the public
/// instances back as real numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub model_name: String,
    pub model_digest: String,
    pub params: CircuitParams,
    pub input: TensorInfo,
    pub outputs: Vec<TensorInfo>,
    /// How many parameter values the circuit holds as witness (0 for fixed parameters).
    pub witness_params: usize,
    /// What pins the parameters to this model: recorded at setup, checked by `verify`.
    pub params_pin: ParamsPin,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
    /// The ONNX element type (`float32`, `int64`, …): an integer output is shown as integers.
    #[serde(default = "float32")]
    pub dtype: String,
    /// Values are `q / 2^scale`.
    pub scale: i32,
    /// The largest `|q|` any valid proof can show (the circuit's static bound on the tensor);
    /// `None` when the ops give none. A public value outside it is refused, so that the values a
    /// proof file states are exactly its instances.
    pub max_abs: Option<u128>,
    /// The input's per-element scales where its features have their own (then `scale` is the
    /// smallest); empty when every element is at `scale`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_scales: Vec<i32>,
}

impl TensorInfo {
    /// The scale of flat element `i`.
    pub fn scale_of(&self, i: usize) -> i32 {
        self.element_scales.get(i).copied().unwrap_or(self.scale)
    }
}

/// The element type of tensors recorded before element types were.
pub(crate) fn float32() -> String {
    "float32".into()
}

/// How a verifying key pins the model's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum ParamsPin {
    /// Fixed columns: the halo2 verifying key commits to every weight.
    Fixed,
    /// Witness parameters shown by the last `count` instances (their values or their Poseidon
    /// commitment): a proof verifies only with exactly these instances, whose 32-byte words'
    /// keccak256 is recorded here (the digest `ZkinferVerifier` compares on-chain).
    Instances { start: usize, count: usize, keccak256: String },
    /// Private parameters: nothing pins them, and the proof holds for some parameters of this
    /// architecture, not for this model.
    Unpinned,
}

impl KeyInfo {
    pub fn of(compiled: &CompiledModel) -> Self {
        let m = &compiled.model;
        let bounds = m.magnitude_bounds();
        let info = |id: usize, (name, dtype): (String, String)| TensorInfo {
            name,
            shape: m.nodes[id].shape.clone(),
            dtype,
            scale: m.nodes[id].scale,
            max_abs: bounds[id],
            element_scales: if id == m.input && !m.input_exponents.is_empty() { m.input_scales() } else { vec![] },
        };
        let params = compiled.params;
        let witness = if params.visibility.witness_params() { m.param_values(true) } else { vec![] };
        let params_pin = match params.visibility.params {
            Visibility::Fixed => ParamsPin::Fixed,
            Visibility::Private => ParamsPin::Unpinned,
            // (parameters are never salted: the visibility check refuses it)
            Visibility::Public | Visibility::Hashed | Visibility::Salted => {
                // the parameter part is the last of the instances
                let words = params.public_parts()[2].encode(&witness, None);
                let start = params.num_instances(m.input_node().len(), m.output_len(), witness.len()) - words.len();
                ParamsPin::Instances { start, count: words.len(), keccak256: hex::encode(words_keccak(&words)) }
            }
        };
        Self {
            model_name: compiled.name.clone(),
            model_digest: compiled.digest(),
            params,
            input: info(m.input, (m.nodes[m.input].name.clone(), float32())),
            outputs: m.outputs.iter().zip(compiled.output_names()).map(|(&o, name)| info(o, name)).collect(),
            witness_params: witness.len(),
            params_pin,
        }
    }

    /// What `ZkinferVerifier` must pin on-chain besides the verifying key.
    pub fn pinned_params(&self) -> Option<PinnedParams> {
        match &self.params_pin {
            ParamsPin::Instances { start, keccak256, .. } => {
                Some(PinnedParams { start: *start, digest: hex::decode(keccak256).ok()?.try_into().ok()? })
            }
            ParamsPin::Fixed | ParamsPin::Unpinned => None,
        }
    }

    /// What a valid proof does not show, in words, for the visibility of this model.
    pub fn caveats(&self) -> Vec<&'static str> {
        let vis = self.params.visibility;
        let mut notes = Vec::new();
        if self.params_pin == ParamsPin::Unpinned {
            notes.push("the parameters are private: the proof shows that some parameters of this architecture give these outputs, not that this model does");
        }
        if vis.output == Visibility::Private {
            notes.push("the outputs are private: the proof shows only that the model can be evaluated on the input");
        }
        notes
    }

    pub fn input_len(&self) -> usize {
        self.input.shape.iter().product()
    }

    pub fn output_len(&self) -> usize {
        self.outputs.iter().map(|t| t.shape.iter().product::<usize>()).sum()
    }

    /// Public instances: the input part (values, packed values, a commitment, or none), then the
    /// output part, then the parameter part.
    pub fn num_instances(&self) -> usize {
        self.params.num_instances(self.input_len(), self.output_len(), self.witness_params)
    }

    /// Instances the input part takes (where the output part starts).
    pub fn input_instances(&self) -> usize {
        self.params.public_parts()[0].len(self.input_len())
    }

    /// Instances the output part takes.
    pub fn output_instances(&self) -> usize {
        self.params.public_parts()[1].len(self.output_len())
    }
}

/// keccak256 of instances as 32-byte big-endian words (Solidity's `abi.encodePacked(uint256[])`).
pub fn words_keccak(words: &[halo2_proofs::halo2curves::bn256::Fr]) -> [u8; 32] {
    let bytes: Vec<u8> = words.iter().flat_map(crate::proof::fr_to_bytes).collect();
    zkinfer_verifier_contract::abi::keccak(&bytes)
}

pub struct ProvingKeyFile {
    pub info: KeyInfo,
    pub srs: Srs,
    pub pk: ProvingKey<G1Affine>,
}

pub struct VerifyingKeyFile {
    pub info: KeyInfo,
    pub srs: Srs,
    pub vk: VerifyingKey<G1Affine>,
}

/// Key generation for a compiled model. `srs_path` is only used in messages.
pub fn setup(compiled: &CompiledModel, srs: Srs, srs_path: &Path) -> Result<(ProvingKeyFile, VerifyingKeyFile)> {
    let srs = srs::fit(srs, compiled.params.k, srs_path)?;
    let circuit = ModelCircuit::new(Arc::new(compiled.model.clone()), compiled.params, None);
    // selector compression folds the gadgets' selectors (never on the same row) into a few fixed
    // columns: fewer commitments in the verifying key, so a cheaper on-chain verifier
    let vk = keygen_vk_custom(&srs, &circuit, true)
        .map_err(|e| ZkError::Compile(format!("verifying key generation failed: {e:?}")))?;
    let pk = keygen_pk(&srs, vk.clone(), &circuit)
        .map_err(|e| ZkError::Compile(format!("proving key generation failed: {e:?}")))?;
    let info = KeyInfo::of(compiled);
    let vk_file = VerifyingKeyFile { info: info.clone(), srs: srs.clone(), vk };
    Ok((ProvingKeyFile { info, srs, pk }, vk_file))
}

fn write_key(path: &Path, header: &Header, info: &KeyInfo, srs: &Srs, key: &[u8]) -> Result<()> {
    files::write_atomic(path, |w| {
        header.write(w)?;
        files::write_block(w, &serde_json::to_vec(info).map_err(std::io::Error::other)?)?;
        files::write_block(w, &srs::to_bytes(srs))?;
        files::write_block(w, key)
    })
}

/// Reads the header, info and SRS blocks; returns the halo2 key bytes that follow.
fn read_key(path: &Path, header: &Header) -> Result<(KeyInfo, Srs, Vec<u8>)> {
    let bytes = files::read_bytes(path)?;
    let limit = bytes.len();
    let mut r = bytes.as_slice();
    header.check(path, &mut r)?;
    let bad = |e: std::io::Error| ZkError::bad_file(path, header.kind, format!("truncated or corrupted ({e})"));
    let info: KeyInfo = serde_json::from_slice(&files::read_block(&mut r, limit).map_err(bad)?)
        .map_err(|e| ZkError::bad_file(path, header.kind, e))?;
    let srs = srs::from_bytes(&files::read_block(&mut r, limit).map_err(bad)?, path)?;
    let key = files::read_block(&mut r, limit).map_err(bad)?;
    if r.read(&mut [0u8]).map_err(bad)? > 0 {
        return Err(ZkError::bad_file(path, header.kind, "unexpected bytes after the key"));
    }
    if srs.k() != info.params.k {
        return Err(ZkError::bad_file(
            path,
            header.kind,
            format!("its SRS has k = {}, its circuit k = {}", srs.k(), info.params.k),
        ));
    }
    Ok((info, srs, key))
}

/// halo2's key readers can panic on some corrupted inputs; a corrupted file must be an error.
fn decode<T>(path: &Path, kind: &'static str, f: impl FnOnce() -> std::io::Result<T>) -> Result<T> {
    match zkinfer_aggregation::catching(f) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ZkError::bad_file(path, kind, format!("corrupted key data ({e})"))),
        Err(_) => Err(ZkError::bad_file(path, kind, "corrupted key data")),
    }
}

impl ProvingKeyFile {
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut key = Vec::new();
        self.pk.write(&mut key, SerdeFormat::RawBytes).map_err(|e| ZkError::io("serialize", path, e))?;
        write_key(path, &PROVING_KEY, &self.info, &self.srs, &key)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let (info, srs, key) = read_key(path, &PROVING_KEY)?;
        let pk = decode(path, PROVING_KEY.kind, || {
            ProvingKey::read::<_, ModelCircuit>(&mut key.as_slice(), SerdeFormat::RawBytes, info.params)
        })?;
        Ok(Self { info, srs, pk })
    }
}

impl VerifyingKeyFile {
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut key = Vec::new();
        self.vk.write(&mut key, SerdeFormat::RawBytes).map_err(|e| ZkError::io("serialize", path, e))?;
        write_key(path, &VERIFYING_KEY, &self.info, &self.srs, &key)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let (info, srs, key) = read_key(path, &VERIFYING_KEY)?;
        let vk = decode(path, VERIFYING_KEY.kind, || {
            VerifyingKey::read::<_, ModelCircuit>(&mut key.as_slice(), SerdeFormat::RawBytes, info.params)
        })?;
        Ok(Self { info, srs, vk })
    }
}
