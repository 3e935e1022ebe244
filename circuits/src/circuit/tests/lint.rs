//! The circuit lint over the test graph in every layout the compiler can choose: no gadget may
//! leave a cell it reads unassigned or unpinned.

use super::*;
use crate::lint::lint_model;

/// Every layout option the cost model searches, at every width from the narrowest up.
pub(super) fn layouts(min_width: usize) -> Vec<Layout> {
    let mut all = Vec::new();
    for width in min_width..=12 {
        for limbs in [1, 2] {
            for range_columns in super::super::cost::RANGE_COLUMN_CHOICES {
                for pack in [false, true] {
                    for fold in [false, true] {
                        all.push(Layout { width, limbs, range_columns, pack, fold, freivalds: false });
                    }
                }
            }
        }
    }
    all
}

fn visibilities() -> Vec<ModelVisibility> {
    let v = |input, output, params| ModelVisibility { input, output, params };
    use Visibility::*;
    vec![
        v(Public, Public, Fixed),
        v(Private, Public, Fixed),
        v(Hashed, Private, Fixed),
        v(Public, Hashed, Public),
        v(Public, Public, Hashed),
        v(Private, Public, Private),
    ]
}

#[test]
fn the_test_graph_is_clean_in_every_layout() {
    assert_lint_clean(&visibilities(), layouts, None, false, 500);
}

/// Lints the test graph in every layout `layouts(narrowest width)` gives, for each visibility
/// (skipping layouts whose parameters do not fit), with `opening` for a salted input; with
/// `mock_first`, the mock prover must accept the honest witness first. Asserts no findings in
/// more than `at_least` layouts.
pub(super) fn assert_lint_clean(
    visibilities: &[ModelVisibility],
    layouts: impl Fn(usize) -> Vec<Layout>,
    opening: Option<visibility::Opening>,
    mock_first: bool,
    at_least: usize,
) {
    let mut failures = Vec::new();
    let mut checked = 0;
    let model = quantize(&test_graph(), &[SAMPLE.to_vec()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
    for &visibility in visibilities {
        let min = super::super::cost::min_width(&model, visibility);
        for layout in layouts(min) {
            let Ok(params) = params_for(&model, layout, visibility) else { continue };
            let s = setup_opened(test_graph(), &SAMPLE, |_| params, opening);
            if mock_first {
                assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "{visibility:?} {layout:?}");
            }
            let report = lint_model(&s.circuit, &s.instances).unwrap();
            checked += 1;
            if !report.is_clean() {
                failures.push(format!("{visibility:?} {layout:?}: {report}"));
            }
        }
    }
    assert!(checked > at_least, "{checked} layouts");
    assert!(
        failures.is_empty(),
        "{} of {checked} layouts have findings; first:\n{}",
        failures.len(),
        failures.iter().take(3).cloned().collect::<Vec<_>>().join("\n")
    );
}
