//! `saddle plot` through the binary on small real runs: every kind of figure in SVG, PNG and
//! PDF, each file decoded (SVG parsed by usvg with its text present, PNG of the size asked
//! with drawn pixels, PDF's cross-reference table pointing at its objects); bad input exits 2
//! saying what is missing, with no file written.

mod common;
use common::*;
use resvg::usvg;
use std::path::{Path, PathBuf};

/// Bilinear θφ in ℝ² with its spectrum every 50 iterations: alternating heavy ball with
/// β = −0.5 on φ (converges) and extragradient.
const TOY: &str = r#"Preset(
    name: "toy", steps: 200, log_every: Some(5), spectral_every: Some(50), checkpoint_every: Some(50),
    game: Bilinear(dim: 2, start: Point(theta: [1.0, 0.5], phi: [0.5, -1.0])),
    runs: [
        Run(name: "alt hb", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.3, beta: (theta: 0.0, phi: -0.5)),
        Run(name: "eg", scheme: Extragradient(), eta: 0.3),
    ],
)"#;

/// A MoG GAN that draws its samples and data plane every 20 iterations.
const MOG: &str = r#"Preset(
    name: "mog", steps: 40, log_every: Some(10), sample_every: Some(20),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9)), eta: 1e-3, beta: 0.5),
    ],
)"#;

/// A two-value grid over three seeds of a stochastic game.
const GRID: &str = r#"Preset(
    name: "grid", steps: 100, log_every: Some(10),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)],
    sweep: (grid: ["runs[*].eta=0.05,0.1"], seeds: "0..3", jobs: 2),
)"#;

/// PNG pixels per inch in these tests (small files, fast).
const DPI: &str = "96";

fn plot(t: &Path, runs: &Path, args: &[&str]) -> std::process::Output {
    let mut a = vec!["plot"];
    a.extend_from_slice(args);
    saddle(t, runs, &a)
}

/// The figure's SVG parses and has `text` in its text; the PNG is `w`×`h` with at least
/// `min_colours` colours and a tenth of its pixels drawn; the PDF's xref table points at its
/// objects. Returns the PNG's path (kept in the temporary directory).
fn all_formats(t: &Path, runs: &Path, args: &[&str], name: &str, text: &str) -> PathBuf {
    for ext in ["svg", "png", "pdf"] {
        let out = t.join(format!("{name}.{ext}"));
        let mut a = args.to_vec();
        let o = out.to_str().unwrap();
        a.extend_from_slice(&["-o", o, "--dpi", DPI]);
        let stdout = ok(&plot(t, runs, &a));
        assert_eq!(stdout.trim(), o);
        let bytes = std::fs::read(&out).unwrap();
        match ext {
            "svg" => check_svg(&bytes, text),
            "png" => check_png(&bytes, (336, 249)),
            _ => check_pdf(&bytes),
        }
    }
    // No temporary file is left next to the figures.
    let stray: Vec<String> = std::fs::read_dir(t)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    t.join(format!("{name}.png"))
}

fn check_svg(bytes: &[u8], text: &str) {
    let s = std::str::from_utf8(bytes).expect("SVG is UTF-8");
    let tree = usvg::Tree::from_str(s, &usvg::Options::default()).expect("the SVG parses");
    assert!(tree.root().has_children(), "an empty SVG");
    assert!(
        s.contains("<text") && s.contains(text),
        "no text {text:?} in the SVG"
    );
    assert!(
        !s.contains("font-family=\"serif\""),
        "text uses the embedded sans-serif"
    );
}

fn check_png(bytes: &[u8], size: (u32, u32)) {
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("the PNG decodes");
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), size);
    let ch = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks_exact(ch).collect();
    let drawn = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    assert!(
        drawn * 50 > pixels.len(),
        "only {drawn} of {} pixels drawn",
        pixels.len()
    );
    let colours: std::collections::BTreeSet<&[u8]> = pixels.iter().map(|p| &p[..3]).collect();
    assert!(colours.len() > 8, "{} colours", colours.len());
}

/// A minimal PDF parse: header, `startxref` pointing at a classic xref table whose in-use
/// entries each point at `N 0 obj`, a trailer with a /Root, and the end marker. Offsets are
/// of bytes (the file is binary: its streams are compressed).
fn check_pdf(bytes: &[u8]) {
    assert!(bytes.starts_with(b"%PDF-1."), "header");
    let find = |from: usize, what: &[u8]| {
        bytes[from..]
            .windows(what.len())
            .position(|w| w == what)
            .map(|k| from + k)
    };
    let rfind = |what: &[u8]| bytes.windows(what.len()).rposition(|w| w == what);
    let ascii = |from: usize| {
        String::from_utf8_lossy(&bytes[from..(from + 64).min(bytes.len())]).into_owned()
    };
    assert!(
        String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(16)..])
            .trim_end()
            .ends_with("%%EOF"),
        "end marker"
    );
    let sx = rfind(b"startxref").expect("startxref");
    let offset: usize = ascii(sx + 9)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .expect("an xref offset");
    assert!(
        bytes[offset..].starts_with(b"xref"),
        "startxref points at xref"
    );
    let table = String::from_utf8_lossy(&bytes[offset..sx]).into_owned();
    let mut lines = table.lines().skip(1);
    let head: Vec<usize> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (first, count) = (head[0], head[1]);
    assert!(count > 3, "{count} objects");
    for (k, line) in lines.by_ref().take(count).enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[2] == "n" {
            let at: usize = f[0].parse().unwrap();
            let id = first + k;
            assert!(
                bytes[at..].starts_with(format!("{id} 0 obj").as_bytes()),
                "object {id} at {at}"
            );
        }
    }
    let trailer = find(offset, b"trailer").expect("trailer");
    assert!(
        ascii(trailer).contains("/Root"),
        "trailer names the catalog"
    );
}

/// Exit 2, a message containing `want`, and no `out` written.
fn refused(t: &Path, runs: &Path, args: &[&str], want: &str) {
    let o = plot(t, runs, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
    let out = args[args.iter().position(|a| *a == "-o").unwrap() + 1];
    assert!(!Path::new(out).exists(), "{out} was written");
}

/// Runs the toy preset and forks its extragradient run at step 100 with η = 0.1 (a recorded η
/// change); returns (alt hb, eg, fork) ids.
fn toy_runs(t: &Path, runs: &Path) -> (String, String, String) {
    let p = preset(t, "toy", TOY);
    ok(&saddle(t, runs, &["run", p.to_str().unwrap()]));
    let (alt, eg) = (run_named(runs, "alt-hb").id(), run_named(runs, "eg").id());
    ok(&saddle(
        t,
        runs,
        &["fork", &eg, "--at", "100", "--set", "eta=0.1"],
    ));
    let fork = runs_of(runs)
        .into_iter()
        .find(|id| *id != alt && *id != eg)
        .expect("the fork");
    (alt, eg, fork)
}

fn runs_of(runs: &Path) -> Vec<String> {
    common::runs(runs).iter().map(|d| d.id()).collect()
}

#[test]
fn curves_of_runs_with_an_eta_change_marked_in_every_format() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let (alt, _eg, fork) = toy_runs(t, &runs);
    let args = [
        alt.as_str(),
        fork.as_str(),
        "--figure",
        "curves",
        "--log-y",
        "--x",
        "oracle_calls",
        "--smooth",
        "3",
    ];
    let png = all_formats(t, &runs, &args, "curves", "oracle calls");
    let svg = std::fs::read_to_string(t.join("curves.svg")).unwrap();
    assert!(svg.contains("η = 0.1"), "the fork's η change is marked");
    assert!(
        svg.contains("‖ω − ω*‖"),
        "the default metric is the distance"
    );
    println!("look at {}", png.display());
    // A run named twice is drawn once, the repeat named on stderr (it made two identical
    // legend entries).
    let (once, twice) = (t.join("once.svg"), t.join("twice.svg"));
    ok(&plot(
        t,
        &runs,
        &[&alt, "--figure", "curves", "-o", once.to_str().unwrap()],
    ));
    let o = plot(
        t,
        &runs,
        &[
            &alt,
            &alt,
            "--figure",
            "curves",
            "-o",
            twice.to_str().unwrap(),
        ],
    );
    ok(&o);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("warning: {alt} names {alt} again; it is drawn once\n")
    );
    assert_eq!(
        std::fs::read_to_string(&once).unwrap(),
        std::fs::read_to_string(&twice).unwrap()
    );
    // An unknown metric names what the run has; nothing is written.
    let out = t.join("bad.svg");
    let o = out.to_str().unwrap();
    refused(
        t,
        &runs,
        &[&alt, "--figure", "curves", "--metric", "fid", "-o", o],
        "--metric fid: run",
    );
    refused(
        t,
        &runs,
        &[
            &alt,
            "--figure",
            "curves",
            "-o",
            t.join("x.jpg").to_str().unwrap(),
        ],
        ".svg, .png or .pdf",
    );
    refused(
        t,
        &runs,
        &[&alt, "--figure", "curves", "--group", "eta", "-o", o],
        "--group applies to --figure sweep",
    );
    refused(
        t,
        &runs,
        &[
            &alt,
            "--figure",
            "curves",
            "-o",
            t.join("no/such/dir.svg").to_str().unwrap(),
        ],
        "no directory",
    );
}

#[test]
fn spectrum_and_stability_of_toy_runs_in_every_format() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let (alt, eg, _) = toy_runs(t, &runs);
    all_formats(
        t,
        &runs,
        &[&alt, &eg, "--figure", "spectrum", "--step", "120"],
        "spectrum",
        "step 100",
    );
    let svg = std::fs::read_to_string(t.join("spectrum.svg")).unwrap();
    assert!(
        svg.contains("ρ = ") && svg.contains("|λ| = 1"),
        "ρ and the unit circle"
    );
    all_formats(
        t,
        &runs,
        &[
            &alt,
            "--figure",
            "stability",
            "--beta",
            "-0.9:0.9:10",
            "--eta",
            "0.05:1.0:8",
        ],
        "stability",
        "measured",
    );
    // A run off the grid (η = 0.3 above 0.5…1.0) is not marked, and that is said.
    let o = t.join("off.svg");
    let out = plot(
        t,
        &runs,
        &[
            &alt,
            "--figure",
            "stability",
            "--beta=-0.9:0.9:4",
            "--eta=0.5:1.0:3",
            "-o",
            o.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("(β = -0.5, η = 0.3) lies outside the") && err.contains("not marked"),
        "{err}"
    );
    // A run without a spectrum: exit 2 with the setting to use.
    let p = preset(t, "plain", &TOY.replace("spectral_every: Some(50), ", ""));
    let other = t.join("runs2");
    ok(&saddle(t, &other, &["run", p.to_str().unwrap()]));
    let id = run_named(&other, "eg").id();
    refused(
        t,
        &other,
        &[
            &id,
            "--figure",
            "spectrum",
            "-o",
            t.join("s.pdf").to_str().unwrap(),
        ],
        "no spectrum recorded: set spectral_every",
    );
}

#[test]
fn a_sweep_as_mean_and_band_with_seeds_in_every_format() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let p = preset(t, "grid", GRID);
    let out = ok(&saddle(
        t,
        &runs,
        &["sweep", p.to_str().unwrap(), "--wait", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let id = v["dir"].as_str().unwrap().to_string();
    all_formats(
        t,
        &runs,
        &[
            &id,
            "--figure",
            "sweep",
            "--metric",
            "field_norm",
            "--group",
            "runs[*].eta",
        ],
        "sweep",
        "95% CI",
    );
    let svg = std::fs::read_to_string(t.join("sweep.svg")).unwrap();
    assert!(
        svg.contains("runs[*].eta=0.1 (n=3)"),
        "groups by the grid key"
    );
    let o = t.join("bad.png");
    refused(
        t,
        &runs,
        &[
            &id,
            "--figure",
            "sweep",
            "--group",
            "eta",
            "-o",
            o.to_str().unwrap(),
        ],
        "its axes: runs[*].eta",
    );

    // A member whose metrics are damaged mid-table: its seeds are left out of the figure
    // and the warning names the file and line (the figure was drawn without a word).
    let table = find_file(Path::new(&id), "metrics.csv").expect("a member's metrics.csv");
    let text = std::fs::read_to_string(&table).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "garbage";
    std::fs::write(&table, lines.join("\n") + "\n").unwrap();
    let o = t.join("damaged.svg");
    let out = plot(
        t,
        &runs,
        &[&id, "--figure", "sweep", "-o", o.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("metrics.csv:3:") && err.contains("that member's table is left out"),
        "{err}"
    );
    assert!(o.exists());
}

/// The first file named `name` under `dir`, depth first.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries.iter().find_map(|p| {
        if p.is_dir() {
            find_file(p, name)
        } else {
            (p.file_name()? == name).then(|| p.clone())
        }
    })
}

#[test]
fn a_mog_runs_data_plane_in_every_format_and_no_sample_grid() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let p = preset(t, "mog", MOG);
    ok(&saddle(t, &runs, &["run", p.to_str().unwrap()]));
    let id = run_named(&runs, "adam").id();
    all_formats(
        t,
        &runs,
        &[&id, "--figure", "plane", "--step", "20"],
        "plane",
        "step 20",
    );
    refused(
        t,
        &runs,
        &[
            &id,
            "--figure",
            "samples",
            "-o",
            t.join("s.png").to_str().unwrap(),
        ],
        "use --figure plane",
    );
}

#[test]
fn an_image_gans_sample_grid_in_every_format_and_none_for_a_toy_game() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let data = t.join("cifar");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/cifar10-wgan-dcgan.ron"
    );
    let sets = [
        format!("game.data_dir={}", data.display()),
        "game.arch.filters=4".into(),
        "game.batch=4".into(),
        "game.grid=4".into(),
        "log_every=2".into(),
        "checkpoint_every=4".into(),
        "sample_every=4".into(),
    ];
    let mut args = vec!["run", preset, "--steps", "4"];
    for s in &sets {
        args.extend(["--set", s.as_str()]);
    }
    ok(&saddle(t, &runs, &args));
    let id = run_named(&runs, "simadam").id();
    all_formats(
        t,
        &runs,
        &[&id, "--figure", "samples", "--step", "4"],
        "samples",
        "step 4",
    );
    let svg = std::fs::read_to_string(t.join("samples.svg")).unwrap();
    assert!(
        svg.contains("data:image/png;base64,"),
        "the grid is embedded"
    );
    // A toy game has no sample images.
    let p = common::preset(t, "toy", TOY);
    let toy = t.join("toy-runs");
    ok(&saddle(
        t,
        &toy,
        &["run", p.to_str().unwrap(), "--steps", "10"],
    ));
    let eg = run_named(&toy, "eg").id();
    refused(
        t,
        &toy,
        &[
            &eg,
            "--figure",
            "samples",
            "-o",
            t.join("g.pdf").to_str().unwrap(),
        ],
        "the game Bilinear has no sample images",
    );
}

/// A damaged line of a run's spectrum or event log, or a damaged metrics row, stops the
/// figure or export that reads it with FILE:LINE, exit 2: a spectrum, an η-change marker, an
/// exported event or a measured rate was left out without a word.
#[test]
fn damaged_spectrum_events_or_metrics_are_named_not_left_out() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let (alt, eg, fork) = toy_runs(t, &runs);
    let damage = |id: &str, file: &str, line: usize| {
        let p = runs.join(id).join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[line - 1] = "garbage{";
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        format!("{file}:{line}")
    };
    let where_ = damage(&eg, "spectrum.jsonl", 2);
    let o = t.join("s.svg");
    refused(
        t,
        &runs,
        &[&eg, "--figure", "spectrum", "-o", o.to_str().unwrap()],
        &where_,
    );
    let where_ = damage(&fork, "events.jsonl", 2);
    let o = t.join("c.svg");
    refused(
        t,
        &runs,
        &[&fork, "--figure", "curves", "-o", o.to_str().unwrap()],
        &where_,
    );
    let out = saddle(t, &runs, &["export", &fork, "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&where_), "{err}");
    let where_ = damage(&alt, "metrics.csv", 5);
    let o = t.join("st.svg");
    refused(
        t,
        &runs,
        &[
            &alt,
            "--figure",
            "stability",
            "--beta=-0.5:0:3",
            "--eta=0.1:0.3:3",
            "-o",
            o.to_str().unwrap(),
        ],
        &format!("{where_}:"),
    );
    // A grid too fine to draw is refused before its maps are computed.
    refused(
        t,
        &runs,
        &[
            &eg,
            "--figure",
            "stability",
            "--beta=-0.9:0.9:1000",
            "--eta=0.05:1.5:1000",
            "-o",
            o.to_str().unwrap(),
        ],
        "1000 × 1000 = 1000000 cells a map; a figure draws at most 40000",
    );
}

/// A diverged run's curve ends where it diverged, and the legend says so (it read as a run
/// stopped there); a run that did not diverge keeps its plain name.
#[test]
fn a_diverged_runs_curve_is_named_diverged_in_the_legend() {
    let t = tmp();
    let (t, runs) = (t.path(), t.path().join("runs"));
    let p = preset(
        t,
        "diverging",
        r#"Preset(
    name: "diverging", steps: 200, log_every: Some(1),
    game: Bilinear(dim: 2, start: Point(theta: [1.0, 0.5], phi: [0.5, -1.0])),
    stop: (diverge_above: Some(10.0)),
    runs: [
        Run(name: "sim", scheme: Simultaneous, eta: 0.5),
        Run(name: "eg", scheme: Extragradient(), eta: 0.3),
    ],
)"#,
    );
    ok(&saddle(t, &runs, &["run", p.to_str().unwrap()]));
    let sim_dir = run_named(&runs, "sim");
    let (sim, eg) = (sim_dir.id(), run_named(&runs, "eg").id());
    let out = t.join("curves.svg");
    ok(&plot(
        t,
        &runs,
        &[&sim, &eg, "--figure", "curves", "-o", out.to_str().unwrap()],
    ));
    let svg = std::fs::read_to_string(&out).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sim_dir.file("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["status"], "diverged");
    let step = summary["status_step"].as_u64().unwrap();
    assert!(
        svg.contains(&format!("sim (diverged at step {step})")),
        "{svg}"
    );
    assert!(!svg.contains("eg (diverged"), "{svg}");

    // A damaged summary.json is named, not a legend that silently says nothing of it.
    let text = std::fs::read_to_string(sim_dir.file("summary.json")).unwrap();
    std::fs::write(sim_dir.file("summary.json"), &text[..text.len() / 2]).unwrap();
    let o = plot(
        t,
        &runs,
        &[&sim, &eg, "--figure", "curves", "-o", out.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("summary.json: not a run summary")
            && err.contains(&format!("cannot say whether run {sim} diverged")),
        "{err}"
    );
}
