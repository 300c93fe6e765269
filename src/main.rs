//! The `zerda` binary: everything lives in the library; this only hands the
//! command line over and turns an error into a one-line message and exit code.

fn main() -> std::process::ExitCode {
    zerda::cli::run()
}
