//! Writes five made-up CIFAR-10 binary batches (ten images each) into the directory given, for
//! demonstrations that need an image data set on a machine without one (`scripts/figures.sh`).
//!
//! `cargo run --example cifar_demo -- DIR`

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: cifar_demo DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir)
        .and_then(|()| saddle::neural::data::cifar::write_demo(&dir, 10, 5))
    {
        eprintln!("cifar_demo: {}: {e}", dir.display());
        std::process::exit(1);
    }
}
