//! Links the release binary so that less of it is resident while it runs.
//!
//! The kernel maps a binary's code 64 kB around each page a run touches, so the few thousand
//! functions a render runs, spread among the code of other commands and of diagnostics, kept
//! most of `.text` resident: about 8 of its 9.6 MB at 1,000 services, a fifth of that run's
//! peak memory (benches/README.md, "What was optimised"). `benches/hot-functions.txt`, written by
//! `benches/order.py`, lists them; lld (rustc's linker for this target from 1.90 on) puts them
//! first. A name the binary no longer has is skipped, so a stale list costs memory, never a
//! build. Packed relative relocations (`DT_RELR`) shrink the table the dynamic loader reads at
//! start from 292 kB to 6 kB; glibc reads them from 2.36 on, so they are asked for only when the
//! building machine's glibc is that recent. Any other linker, target or profile links as before.

use std::env;
use std::path::Path;
use std::process::Command;

const ORDER: &str = "benches/hot-functions.txt";

fn main() {
    println!("cargo:rerun-if-changed={ORDER}");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if !links_with_rust_lld() {
        return;
    }
    let order = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join(ORDER);
    println!(
        "cargo:rustc-link-arg-bin=meshc=-Wl,--symbol-ordering-file={},--no-warn-symbol-ordering",
        order.display()
    );
    if glibc_reads_relr() {
        println!("cargo:rustc-link-arg-bin=meshc=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the release binary is linked by the rust-lld that rustc uses by default on
/// x86_64 Linux: no linker chosen in the configuration or the flags, rustc 1.90 or later, and
/// its toolchain ships the self-contained lld (a distribution's own build of rustc may not,
/// and then links with the system's linker, which knows neither option).
fn links_with_rust_lld() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    let rustc = || Command::new(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    var("TARGET") == "x86_64-unknown-linux-gnu"
        && var("HOST") == var("TARGET")
        && var("PROFILE") == "release"
        && env::var_os("RUSTC_LINKER").is_none()
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && output_of(rustc().arg("--version"))
            .and_then(|version| minor_version(&version, "rustc 1."))
            .is_some_and(|minor| minor >= 90)
        && output_of(rustc().args(["--print", "sysroot"])).is_some_and(|sysroot| {
            Path::new(sysroot.trim())
                .join("lib/rustlib")
                .join(var("TARGET"))
                .join("bin/gcc-ld/ld.lld")
                .is_file()
        })
}

/// Whether this machine's glibc applies `DT_RELR` relocations (2.36 on).
fn glibc_reads_relr() -> bool {
    output_of(Command::new("getconf").arg("GNU_LIBC_VERSION"))
        .and_then(|version| minor_version(&version, "glibc 2."))
        .is_some_and(|minor| minor >= 36)
}

fn output_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}

/// The number after `prefix` (`rustc 1.95.0 (…)`, `glibc 2.36`).
fn minor_version(version: &str, prefix: &str) -> Option<u32> {
    let rest = version.trim().strip_prefix(prefix)?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}
