//! A salted input: the instances are the owner, then Poseidon(owner, salt, input); the owner and
//! the salt are assigned in the hash's first absorb row (the state columns, then `main[3]` and
//! `main[4]` for the two message words). Each attack below keeps everything else honest, and
//! the consistent ones move several cells together as a forging prover would.

use super::*;
use crate::circuit::visibility::{salted_commitment, Opening};

const OWNER: u64 = 0xA11CE;

fn opening(owner: u64, salt: u64) -> Opening {
    Opening { owner: Fr::from(owner), salt: Fr::from(salt) * Fr::from(0x1234_5678_9abc_def1u64) }
}

fn salted() -> ModelVisibility {
    ModelVisibility { input: Visibility::Salted, output: Visibility::Private, ..ModelVisibility::default() }
}

fn setup_salted(open: Opening) -> Setup {
    setup_opened(
        test_graph(),
        &SAMPLE,
        |model| {
            params_for(
                model,
                Layout { width: 6, limbs: 1, range_columns: 3, pack: false, fold: false, freivalds: false },
                salted(),
            )
            .unwrap()
        },
        Some(open),
    )
}

fn input(s: &Setup) -> Vec<i128> {
    s.circuit.input.as_deref().unwrap().clone()
}

#[test]
fn the_owner_and_the_salted_commitment_are_the_instances() {
    let open = opening(OWNER, 7);
    let s = setup_salted(open);
    assert_eq!(s.instances, vec![open.owner, salted_commitment(&open, &input(&s))]);
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
    // the salt hides equal inputs: another salt, another commitment
    assert_ne!(salted_commitment(&opening(OWNER, 8), &input(&s)), s.instances[1]);
    // and the owner is inside: another owner, another commitment
    assert_ne!(salted_commitment(&opening(OWNER + 1, 7), &input(&s)), s.instances[1]);
    // the layout the cost model predicts, two more message words included
    let st = stats(&s.circuit.model, s.circuit.params);
    assert_eq!(st.layers.last().unwrap().rows, crate::gadgets::poseidon::rows(input(&s).len() + 2));
}

#[test]
fn another_owner_under_the_same_commitment_fails() {
    let s = setup_salted(opening(OWNER, 7));
    // only the owner instance moved: the owner cell is pinned to it
    let mut moved = s.instances.clone();
    moved[0] = Fr::from(OWNER + 1);
    assert!(mock(&s.circuit, s.circuit.params, &moved).is_err());
    // consistent: the prover absorbs the new owner too (and keeps the salt and input); the hash
    // then is another commitment than the one claimed
    let forged = s.circuit.clone().with_opening(Some(opening(OWNER + 1, 7)));
    assert!(mock(&forged, s.circuit.params, &moved).is_err());
}

#[test]
fn another_input_or_salt_under_the_same_commitment_fails() {
    let s = setup_salted(opening(OWNER, 7));
    // another input and another salt, a whole honest witness for them: the commitment differs
    let mut other = input(&s);
    other[0] += 1;
    for (x, open) in [(other.clone(), opening(OWNER, 7)), (input(&s), opening(OWNER, 9)), (other, opening(OWNER, 9))] {
        let forged = ModelCircuit::new(s.circuit.model.clone(), s.circuit.params, Some(x)).with_opening(Some(open));
        assert!(mock(&forged, s.circuit.params, &s.instances).is_err());
    }
}

#[test]
fn a_moved_owner_or_salt_cell_fails_the_copy_or_the_absorb_gate() {
    let s = setup_salted(opening(OWNER, 7));
    let row = hash_row(&s);
    // the owner's cell: pinned to instance 0
    let owner = honest_value(&s, Col::Main(3), row);
    assert_eq!(owner, Fr::from(OWNER));
    let failures = tamper(&s, vec![(Col::Main(3), row, owner + Fr::one())]);
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })), "{failures:?}");
    // the salt's cell: the state after absorbing must be the sum
    let salt = honest_value(&s, Col::Main(4), row);
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(4), row, salt + Fr::one())]), "poseidon absorb"));
    // salt and absorbed state moved together: the next round's gate fails
    let state = honest_value(&s, Col::Main(1), row + 1);
    let failures = tamper(&s, vec![(Col::Main(4), row, salt + Fr::one()), (Col::Main(1), row + 1, state + Fr::one())]);
    assert!(has_gate_failure(&failures, "poseidon full round"), "{failures:?}");
}

#[test]
fn only_the_input_can_be_salted() {
    let model = quantize(&test_graph(), &[SAMPLE.to_vec()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
    for vis in [
        ModelVisibility { output: Visibility::Salted, ..ModelVisibility::default() },
        ModelVisibility { params: Visibility::Salted, ..ModelVisibility::default() },
    ] {
        let err = choose_params(&model, None, vis, Default::default()).unwrap_err();
        assert!(err.contains("only the input can be salted"), "{err}");
    }
    assert_eq!("salted".parse::<Visibility>(), Ok(Visibility::Salted));
}
