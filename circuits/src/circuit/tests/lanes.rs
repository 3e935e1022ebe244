//! Six range-checked columns: two requantizations a row, and max/min windows side by side.
//! Each lane is a full copy of its gadget's argument over its own cells, sharing only the row's
//! selector and fixed coefficients; these tests attack the second lane, which the three-column
//! tests never reach, with consistent witnesses.

use super::adversarial::{config, forge, honest, layer_start, only_gate, output_instance, value};
use super::copy_fails_at;
use super::*;

fn six_columns(width: usize, limbs: u32) -> Setup {
    setup_layout(Some(width), limbs, 6, ModelVisibility::default())
}

#[test]
fn honest_witness_satisfies_six_column_layouts() {
    for limbs in [1, 2] {
        for width in [4, 6, 9, 16] {
            let s = six_columns(width, limbs);
            assert_eq!(s.circuit.params.range_columns, 6);
            assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "{limbs} limbs, width {width}");
        }
    }
}

#[test]
fn six_columns_halve_the_requantization_and_max_rows() {
    let (three, six) = (setup(Some(6)), six_columns(6, 1));
    let rows_of = |s: &Setup, name: &str| {
        let st = stats(&s.circuit.model, s.circuit.params);
        st.layers.iter().find(|l| l.name == name).unwrap().rows
    };
    // relu2 requantizes 4 values: one a row with three columns, two with six
    assert_eq!((rows_of(&three, "relu2"), rows_of(&six, "relu2")), (4, 2));
    // the max of two windows of two: both windows side by side in the two lanes width 6 has
    assert_eq!(rows_of(&six, "max"), 2);
    let (s3, s6) = (stats(&three.circuit.model, three.circuit.params), stats(&six.circuit.model, six.circuit.params));
    assert_eq!(s6.lookup_arguments - s3.lookup_arguments, 3);
    // and the layers lay out exactly the rows the cost model counts
    assert!(s6.used_rows <= s6.usable_rows);
}

#[test]
fn a_second_lane_relu_output_raised_with_both_parts_fails_the_requant_gate() {
    // relu2's second element (-1.2, so q < 0: p = 0, n = |q|) is lane 1 of relu2's first row:
    // x, y in main 2 and 3, u, p, n in range-checked columns 3, 4, 5. p and n one higher keep
    // the division exact and y = p = 1 follows; only p · n = 0 refuses it
    let s = six_columns(6, 1);
    let (cfg, rec) = (config(&s), honest(&s));
    let row = layer_start(&s, "relu2");
    let [p, n] = [Col::Lookup(4), Col::Lookup(5)].map(|c| (c, value(&rec, &cfg, c, row)));
    assert_eq!(p.1, Fr::zero(), "the element is negative");
    let y = value(&rec, &cfg, Col::Main(3), row) + Fr::one();
    let cells = vec![(p.0, row, p.1 + Fr::one()), (n.0, row, n.1 + Fr::one()), (Col::Main(3), row, y)];
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 2, 1)] = y;
    let failures = forge(&s, cells, &instances);
    assert!(only_gate(&failures, "requant"), "{failures:?}");
}

#[test]
fn a_second_lane_max_larger_than_its_window_fails_only_the_zero_product() {
    // the max node's second window, [0.5, 2.0], in lane 1: m, x, product in main 3, 4, 5 and d
    // in range-checked column 1. Claim m + 1 and publish it: both differences grow by one and
    // stay in range, the running product follows, and only the window's last product, pinned
    // to the constant 0, refuses it
    let s = six_columns(6, 1);
    let (cfg, rec) = (config(&s), honest(&s));
    let row = layer_start(&s, "max");
    let [m, d0, d1] =
        [(Col::Main(3), row), (Col::Lookup(1), row), (Col::Lookup(1), row + 1)].map(|(c, r)| value(&rec, &cfg, c, r));
    assert_eq!(d1, Fr::zero(), "the window's second element is its max");
    let raised = m + Fr::one();
    let p0 = d0 + Fr::one();
    let cells = vec![
        (Col::Main(3), row, raised),
        (Col::Main(3), row + 1, raised),
        (Col::Lookup(1), row, d0 + Fr::one()),
        (Col::Lookup(1), row + 1, Fr::one()),
        (Col::Main(5), row, p0),
        (Col::Main(5), row + 1, p0),
    ];
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 6, 1)] = raised;
    let failures = forge(&s, cells, &instances);
    // only copies fail (the gate and the range checks hold), and the one broken is the last
    // product's, whose cycle holds the constant 0 and the other cells pinned to it
    let only_copies = failures.iter().all(|f| matches!(f, VerifyFailure::Permutation { .. }));
    assert!(only_copies && copy_fails_at(&failures, cfg.main[5], row + 1), "{failures:?}");
}

#[test]
fn a_second_lane_max_below_an_element_fails_the_range_check() {
    // claim the window's first element 0.5 as its max: the difference to 2.0 is negative, a
    // huge field element, and the product is then 0 honestly; only the range lookup refuses it
    let s = six_columns(6, 1);
    let (cfg, rec) = (config(&s), honest(&s));
    let row = layer_start(&s, "max");
    let [x0, x1] = [row, row + 1].map(|r| value(&rec, &cfg, Col::Main(4), r));
    let cells = vec![
        (Col::Main(3), row, x0),
        (Col::Main(3), row + 1, x0),
        (Col::Lookup(1), row, Fr::zero()),
        (Col::Lookup(1), row + 1, x0 - x1),
        (Col::Main(5), row, Fr::zero()),
        (Col::Main(5), row + 1, Fr::zero()),
    ];
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 6, 1)] = x0;
    let failures = forge(&s, cells, &instances);
    let only_lookups = failures.iter().all(|f| matches!(f, VerifyFailure::Lookup { .. }));
    assert!(!failures.is_empty() && only_lookups, "{failures:?}");
}
