//! The crate's layers import only downwards: `layout` (row cursor, slot encoding) under
//! `gadgets` (one gate each) under `layers` (one op each) under `circuit`. A gadget that
//! reached up into the circuit or a layer would make the layers a circle again.

use std::fs;
use std::path::Path;

/// Every `crate::…` module a source file names.
fn crate_paths(source: &str) -> Vec<String> {
    source
        .match_indices("crate::")
        .map(|(at, _)| source[at + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
        .collect()
}

fn assert_imports_only(folder: &str, forbidden: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(folder);
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = fs::read_to_string(&path).unwrap();
        for module in crate_paths(&source) {
            assert!(
                !forbidden.contains(&module.as_str()),
                "{} imports crate::{module}, a layer above it",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 1, "no source files under {}", dir.display());
}

#[test]
fn layout_imports_no_gadget_layer_or_circuit() {
    assert_imports_only("layout", &["gadgets", "layers", "circuit", "quantize", "lint"]);
}

#[test]
fn gadgets_import_neither_layers_nor_the_circuit() {
    assert_imports_only("gadgets", &["layers", "circuit", "lint"]);
}

#[test]
fn the_forbidden_import_is_found_when_present() {
    assert_eq!(crate_paths("use crate::circuit::config::X; crate::layout::region"), ["circuit", "layout"]);
}
