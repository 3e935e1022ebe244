//! The CPU features the field arithmetic is compiled for.
//!
//! On x86-64 the build enables halo2curves' assembly field multiplication (`asm`: about a fifth
//! off every proof, docs/architecture.md). It uses the BMI2 and ADX instructions (Intel since
//! Broadwell, 2014; AMD since Zen, 2017) without checking for them, so a CPU without them would
//! stop with an illegal instruction. Entry points call [`check`] first and report that instead.

/// `Err` with a message naming what is missing when this CPU cannot run the field arithmetic.
pub fn check() -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        let missing: Vec<&str> =
            [("bmi2", std::is_x86_feature_detected!("bmi2")), ("adx", std::is_x86_feature_detected!("adx"))]
                .into_iter()
                .filter_map(|(name, present)| (!present).then_some(name))
                .collect();
        if !missing.is_empty() {
            return Err(format!(
                "this CPU lacks the {} instruction set extension(s) that zkinfer's x86-64 field arithmetic needs \
                 (Intel Broadwell or AMD Zen and later); build from source without halo2curves' `asm` feature",
                missing.join(" and ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_machine_running_the_tests_has_what_the_field_arithmetic_needs() {
        // the tests already ran field arithmetic; the check must agree that this CPU can
        assert_eq!(super::check(), Ok(()));
    }
}
