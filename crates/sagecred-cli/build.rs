//! Links the `sagecred` binary as a position-dependent (non-PIE) executable on Linux.
//!
//! `sagecred env` runs at every shell start. As a PIE, the binary carries about 34,000
//! dynamic relocations that the loader applies at every start, writing to ~120 pages of
//! `.data.rel.ro`; on a VM each of those page faults costs ~10 µs. Linked non-PIE, the
//! relocations are resolved once at link time, which roughly halves start-up time. Only the
//! binary is affected: the library code stays position-independent.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
