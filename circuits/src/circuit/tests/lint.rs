//! The circuit lint over the test graph in every layout the compiler can choose: no gadget may
//! leave a cell it reads unassigned or unpinned.

use super::*;
use crate::lint::lint_model;

/// Every layout option the cost model searches, at every width from the narrowest up.
fn layouts(min_width: usize) -> Vec<Layout> {
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
    let mut failures = Vec::new();
    let mut checked = 0;
    for visibility in visibilities() {
        let model =
            quantize(&test_graph(), &[SAMPLE.to_vec()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
        let min = super::super::cost::min_width(&model, visibility);
        for layout in layouts(min) {
            let s = setup_graph(test_graph(), &SAMPLE, |model| params_for(model, layout, visibility).unwrap());
            let report = lint_model(&s.circuit, &s.instances).unwrap();
            checked += 1;
            if !report.is_clean() {
                failures.push(format!("{visibility:?} {layout:?}: {report}"));
            }
        }
    }
    assert!(checked > 500, "{checked} layouts");
    assert!(
        failures.is_empty(),
        "{} of {checked} layouts have findings; first:\n{}",
        failures.len(),
        failures.iter().take(3).cloned().collect::<Vec<_>>().join("\n")
    );
}
