//! The `saddle` binary: everything happens in the library.

fn main() {
    // Before any thread starts: glibc fixes its arena limit when a second thread allocates.
    saddle::neural::ops::tune_allocator();
    std::process::exit(saddle::cli::main());
}
