//! Giving the memory of one aggregation circuit back to the system before the next.
//!
//! A tree of sixteen proofs makes four keys and seven proofs in one process, each needing 10 to
//! 20 GB at its peak. glibc keeps what the prover frees in its arenas (its mmap threshold grows
//! to 32 MiB after the first large free, so later buffers of that size come from the heap), and
//! without a trim those freed pages stay resident under the next circuit's: the tree was killed at
//! 23.8 GB before this trim and peaked at 20.9 GB with it (the verifying keys that earlier layers
//! kept alive, the rest of the growth, are dropped in tree.rs).

use tracing::info;

/// Returns the pages glibc holds free to the system, and logs what stays resident after `done`.
pub fn release(done: &str) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free pages of the allocator's own arenas back to the kernel
    unsafe {
        libc::malloc_trim(0);
    }
    info!(resident_mib = resident_mib(), "{done}");
}

/// This process's resident memory in MiB, where /proc says it.
fn resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
