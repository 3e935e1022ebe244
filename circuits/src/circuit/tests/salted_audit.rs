//! The independent audit of the salted input, kept as tests: the lint over every layout with a
//! salted input, the verifying key made without the opening against one made with it, and the
//! salted sponge against the plain one (the audit found no domain separation; it has one now).

use super::lint::{assert_lint_clean, layouts};
use super::*;
use crate::circuit::visibility::{commitment, salted_commitment, Opening};
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::plonk::keygen_vk;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;

fn open() -> Opening {
    // an address-sized owner and a full-width salt
    Opening { owner: Fr::from_u128(0x000A_11CE_0000_0000_0000_BEEF_u128), salt: -Fr::from(12345u64) }
}

fn salted(output: Visibility, params: Visibility) -> ModelVisibility {
    ModelVisibility { input: Visibility::Salted, output, params }
}

/// The test graph with a salted input at one plain layout (width 6, one limb).
fn setup_width_six(vis: ModelVisibility, opening: Opening) -> Setup {
    let layout = Layout { width: 6, limbs: 1, range_columns: 3, pack: false, fold: false, freivalds: false };
    setup_opened(test_graph(), &SAMPLE, |m| params_for(m, layout, vis).unwrap(), Some(opening))
}

#[test]
fn salted_layouts_are_lint_clean() {
    let visibilities = [
        salted(Visibility::Private, Visibility::Fixed),
        salted(Visibility::Public, Visibility::Fixed),
        salted(Visibility::Hashed, Visibility::Hashed),
    ];
    let unpacked_up_to_nine = |min| layouts(min).into_iter().filter(|l| l.width <= 9 && !l.pack).collect::<Vec<_>>();
    assert_lint_clean(&visibilities, unpacked_up_to_nine, Some(open()), true, 20);
}

#[test]
fn keygen_without_the_opening_makes_the_provers_key() {
    let vis = salted(Visibility::Private, Visibility::Fixed);
    let s = setup_width_six(vis, open());
    let srs = ParamsKZG::<Bn256>::setup(s.circuit.params.k, rand::rngs::OsRng);
    let bytes = |c: &ModelCircuit| keygen_vk(&srs, c).unwrap().to_bytes(SerdeFormat::RawBytes);
    let with = bytes(&s.circuit);
    let without = bytes(&s.circuit.without_witnesses());
    let other_owner = bytes(&s.circuit.clone().with_opening(Some(Opening { owner: Fr::one(), salt: Fr::zero() })));
    assert!(with == without && with == other_owner, "the key depends on the witness");
}

#[test]
fn the_salted_sponge_is_domain_separated_from_the_plain_one() {
    // the audit found Poseidon(owner, salt, x) equal to the *hashed* commitment of the n + 2 words
    // (owner, salt, x); the salted domain's capacity word now sets them apart
    let x: Vec<i128> = vec![3, -4, 5];
    let o = open();
    let mut words = vec![o.owner, o.salt];
    words.extend(x.iter().map(|&v| crate::layout::region::fr_from_i128(v)));
    assert_ne!(salted_commitment(&o, &x), crate::gadgets::poseidon::hash(&words));
    let small = Opening { owner: Fr::from(1u64), salt: Fr::from(2u64) };
    assert_ne!(salted_commitment(&small, &x), commitment(&[1, 2, 3, -4, 5]));
    // and the circuit hashes in the same domain as `salted_commitment` (its instances verify)
    let s = setup_width_six(salted(Visibility::Private, Visibility::Fixed), small);
    assert_eq!(s.instances[1], salted_commitment(&small, s.circuit.input.as_deref().unwrap()));
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
    let plain = vec![small.owner, commitment(&[&[1, 2][..], s.circuit.input.as_deref().unwrap()].concat())];
    assert!(mock(&s.circuit, s.circuit.params, &plain).is_err(), "the plain sponge's value is not the salted input's");
}
