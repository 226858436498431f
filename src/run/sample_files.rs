//! The `samples/` folder of a run directory: what the game draws every `sample_every`
//! iterations, one file per kind and step, named `<kind>-<step, 9 digits>.<ext>`:
//!
//! | file                  | what                                                          |
//! |-----------------------|---------------------------------------------------------------|
//! | `grid-<step>.png`     | image GANs: a grid of generated images                        |
//! | `points-<step>.csv`   | 2-D GANs: the generated points (`x,y` header)                 |
//! | `scatter-<step>.png`  | 2-D GANs: a picture of those points over the modes            |
//! | `plane-<step>.json`   | 2-D GANs: the data plane ([`super::plane`])                   |
//!
//! Readers (the dashboard, `export`, figures) list the steps of a kind here and read the one
//! they want; a fork starts with its parent's files up to the step it branches from.

use super::store::RunDir;
use crate::error::{io_error, Result};
use std::path::{Path, PathBuf};

/// The folder's name in a run directory.
pub const SAMPLES: &str = "samples";

/// One sample file: its kind (`grid`, `points`, `plane`, …), step and path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFile {
    /// What it holds: the name before the step.
    pub kind: String,
    /// Its extension.
    pub ext: String,
    /// Iterations completed when it was drawn.
    pub step: u64,
    /// Where it is.
    pub path: PathBuf,
}

/// (kind, step, extension) of a file name `<kind>-<step>.<ext>`; None for other names
/// (temporary files of atomic writes start with a dot and are left out).
pub fn parse_name(name: &str) -> Option<(&str, u64, &str)> {
    if name.starts_with('.') {
        return None;
    }
    let (kind, rest) = name.rsplit_once('-')?;
    let (step, ext) = rest.split_once('.')?;
    Some((kind, step.parse().ok()?, ext))
}

/// `samples/<kind>-<step, 9 digits>.<ext>` of `dir` (the folder is not created).
pub fn path(dir: &RunDir, kind: &str, step: u64, ext: &str) -> PathBuf {
    dir.file(SAMPLES).join(format!("{kind}-{step:09}.{ext}"))
}

/// Every sample file of the run, by step then kind (none when there is no folder).
pub fn list(dir: &RunDir) -> Vec<SampleFile> {
    let Ok(entries) = std::fs::read_dir(dir.file(SAMPLES)) else {
        return vec![];
    };
    let mut out: Vec<SampleFile> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (kind, step, ext) = parse_name(&name)?;
            Some(SampleFile {
                kind: kind.into(),
                ext: ext.into(),
                step,
                path: e.path(),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.step, &a.kind).cmp(&(b.step, &b.kind)));
    out
}

/// The steps with a file of `kind`.`ext`, ascending.
pub fn steps(dir: &RunDir, kind: &str, ext: &str) -> Vec<u64> {
    list(dir)
        .into_iter()
        .filter(|f| f.kind == kind && f.ext == ext)
        .map(|f| f.step)
        .collect()
}

/// The step to show of `steps` (ascending) for the wish `at`: the newest at or before it
/// (the oldest when all are after it), the newest when `at` is None.
pub fn pick(steps: &[u64], at: Option<u64>) -> Option<u64> {
    match at {
        None => steps.last().copied(),
        Some(a) => steps
            .iter()
            .rev()
            .find(|s| **s <= a)
            .or(steps.first())
            .copied(),
    }
}

/// Gives the run in `to` the sample files of `from` drawn at steps ≤ `through` (a fork: its
/// history up to the branch point is its parent's), as hard links where the filesystem allows
/// and copies elsewhere. Returns how many.
pub fn inherit(from: &RunDir, to: &RunDir, through: u64) -> Result<usize> {
    let files: Vec<SampleFile> = list(from)
        .into_iter()
        .filter(|f| f.step <= through)
        .collect();
    if files.is_empty() {
        return Ok(0);
    }
    let folder = to.file(SAMPLES);
    std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    for f in &files {
        let target = folder.join(f.path.file_name().unwrap_or_default());
        link_or_copy(&f.path, &target)?;
    }
    Ok(files.len())
}

fn link_or_copy(src: &Path, dst: &Path) -> Result<()> {
    if std::fs::hard_link(src, dst).is_ok() {
        return Ok(());
    }
    std::fs::copy(src, dst)
        .map(|_| ())
        .map_err(|e| io_error(dst, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &RunDir, name: &str) {
        let s = dir.file(SAMPLES);
        std::fs::create_dir_all(&s).unwrap();
        std::fs::write(s.join(name), name).unwrap();
    }

    #[test]
    fn files_are_listed_by_step_and_kind_and_picked_at_or_before_a_step() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        assert!(list(&dir).is_empty());
        for n in [
            "points-000000010.csv",
            "plane-000000010.json",
            "plane-000000002.json",
            ".plane-000000020.json.tmp1",
            "notes.txt",
            "grid-x.png",
        ] {
            touch(&dir, n);
        }
        let all = list(&dir);
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!((all[0].kind.as_str(), all[0].step), ("plane", 2));
        assert_eq!(steps(&dir, "plane", "json"), vec![2, 10]);
        assert_eq!(pick(&[2, 10], None), Some(10));
        assert_eq!(pick(&[2, 10], Some(9)), Some(2));
        assert_eq!(
            pick(&[2, 10], Some(1)),
            Some(2),
            "before the first: the first"
        );
        assert_eq!(pick(&[], Some(1)), None);
        assert_eq!(
            parse_name("multi-part-000000003.png"),
            Some(("multi-part", 3, "png"))
        );
        assert!(path(&dir, "grid", 7, "png").ends_with("samples/grid-000000007.png"));
    }

    #[test]
    fn a_fork_inherits_the_files_up_to_its_branch_point() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (from, to) = (
            RunDir {
                path: a.path().to_path_buf(),
            },
            RunDir {
                path: b.path().to_path_buf(),
            },
        );
        assert_eq!(inherit(&from, &to, 100).unwrap(), 0);
        assert!(!to.file(SAMPLES).exists(), "nothing to inherit, no folder");
        for n in [
            "grid-000000000.png",
            "grid-000000050.png",
            "grid-000000100.png",
            "grid-000000150.png",
        ] {
            touch(&from, n);
        }
        assert_eq!(inherit(&from, &to, 100).unwrap(), 3);
        assert_eq!(steps(&to, "grid", "png"), vec![0, 50, 100]);
        assert_eq!(
            std::fs::read_to_string(path(&to, "grid", 50, "png")).unwrap(),
            "grid-000000050.png"
        );
    }
}
