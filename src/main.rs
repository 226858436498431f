//! The `saddle` binary: everything happens in the library.

fn main() {
    std::process::exit(saddle::cli::main());
}
