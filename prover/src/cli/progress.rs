//! A spinner on stderr for steps that take seconds to minutes (hidden with --json or when
//! stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Runs `work` under a spinner labelled `label`; returns its result and how long it took.
pub fn step<T>(label: &str, quiet: bool, work: impl FnOnce() -> T) -> (T, Duration) {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    bar.set_message(label.to_string());
    let start = Instant::now();
    let result = work();
    bar.finish_and_clear();
    (result, start.elapsed())
}
