//! The `meshc` command; everything happens in [`meshc::cli`].

fn main() -> std::process::ExitCode {
    meshc::cli::run(std::env::args_os()).into()
}
