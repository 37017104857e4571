//! The `meshc` command; everything happens in [`meshc::run`].

/// mimalloc instead of glibc's malloc: a render is mostly small, short-lived allocations on a
/// few threads, where glibc's per-thread arenas cost time and keep memory (benches/README.md,
/// "What was optimised"). Set here, in the binary only, so that programs using the library keep
/// their own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    meshc::run(std::env::args_os()).into()
}
