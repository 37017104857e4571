//! The `meshc` command; everything happens in [`meshc::run`].

fn main() -> std::process::ExitCode {
    meshc::run(std::env::args_os()).into()
}
