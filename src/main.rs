//! The `saddle` binary: everything happens in the library.

fn main() {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`saddle stability … | head`) instead of panicking on a broken pipe.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(saddle::cli::main());
}
