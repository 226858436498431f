//! `saddle export RUN --format tensorboard`: a run as one TensorBoard event file, so it opens
//! in the viewer people already have (`tensorboard --logdir DIR`), without TensorFlow.
//!
//! What it holds, in step order:
//!
//! | tag                              | kind   | from                                           |
//! |----------------------------------|--------|------------------------------------------------|
//! | every `metrics.csv` column       | scalar | each complete row (`loss_theta`, `field_norm`, `eta_phi`, …) |
//! | `score/<generator>/<name>`       | scalar | `scores.jsonl`: `inception_score` and `fid` (`classifier_score`, `fcd` for a classifier network) |
//! | `events`                         | text   | every event of `events.jsonl` (η/β changes with old and new values, pause, checkpoint, …) |
//! | `config`                         | text   | `config.ron`, at step 0                         |
//! | `samples/<kind>`                 | image  | each `samples/<kind>-<step>.png`               |
//!
//! The file is `events.out.tfevents.<start, unix seconds>.saddle`: TFRecord framing
//! ([`super::tfrecord`]) of `Event` protobufs ([`super::protobuf`]), the first one the
//! `brain.Event:2` version record. Scalars are TensorBoard's `simple_value` (f32); texts use
//! the text plugin's string tensors; images are the PNG files as they are. An event's wall
//! time is the run's start plus the row's `wall_time` (seconds spent stepping) where there is
//! one, else the time of the event itself.

use super::protobuf::{fields, Message, Value};
use super::tfrecord::{read_records, write_record};
use crate::error::{io_error, Error, Result};
use crate::run::events::{EventKind, EventRecord};
use crate::run::metrics::MetricsTable;
use crate::run::sample_files;
use crate::run::store::{write_atomic, RunDir, CONFIG, METRICS};
use crate::score::record::ScoreRecord;
use std::path::{Path, PathBuf};

/// What one exported event carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Summary {
    /// Scalars: (tag, value).
    Scalars(Vec<(String, f32)>),
    /// A text: (tag, text).
    Text(String, String),
    /// A PNG image: (tag, width, height, channels, the file's bytes).
    Image(String, u32, u32, u32, Vec<u8>),
}

/// One event of the file: its step, wall time and summary (None: the version record).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Step.
    pub step: i64,
    /// Unix time (seconds).
    pub wall_time: f64,
    /// What it carries.
    pub summary: Option<Summary>,
}

/// How much an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The event file.
    pub path: PathBuf,
    /// Scalar values.
    pub scalars: usize,
    /// Text summaries.
    pub texts: usize,
    /// Images.
    pub images: usize,
}

/// The event file name for a run started at `start` (unix seconds).
pub fn file_name(start: f64) -> String {
    format!("events.out.tfevents.{}.saddle", start.max(0.0) as u64)
}

fn text_summary(tag: &str, text: &str) -> Message {
    // The text plugin reads a scalar string tensor with plugin name "text".
    let plugin = Message::default().bytes(1, b"text");
    let metadata = Message::default().message(1, &plugin);
    let tensor = Message::default()
        .int(1, 7) // DT_STRING
        .message(2, &Message::default()) // shape []: a scalar
        .bytes(8, text.as_bytes());
    let value = Message::default()
        .bytes(1, tag.as_bytes())
        .message(9, &metadata)
        .message(8, &tensor);
    Message::default().message(1, &value)
}

fn encode(e: &Event) -> Vec<u8> {
    let mut m = Message::default().double(1, e.wall_time).int(2, e.step);
    match &e.summary {
        None => m = m.bytes(3, b"brain.Event:2"),
        Some(Summary::Scalars(v)) => {
            let mut s = Message::default();
            for (tag, x) in v {
                s = s.message(1, &Message::default().bytes(1, tag.as_bytes()).float(2, *x));
            }
            m = m.message(5, &s);
        }
        Some(Summary::Text(tag, text)) => m = m.message(5, &text_summary(tag, text)),
        Some(Summary::Image(tag, w, h, c, png)) => {
            let img = Message::default()
                .int(1, *h as i64)
                .int(2, *w as i64)
                .int(3, *c as i64)
                .bytes(4, png);
            let value = Message::default().bytes(1, tag.as_bytes()).message(4, &img);
            m = m.message(5, &Message::default().message(1, &value));
        }
    }
    m.0
}

/// One line for an event of the run's log.
pub fn describe(e: &EventRecord) -> String {
    let what = match &e.kind {
        EventKind::Started => "started".to_string(),
        EventKind::Resumed { checkpoint, steps } => {
            format!("resumed from the checkpoint at step {checkpoint}, to run to {steps}")
        }
        EventKind::Set(c) => format!("set {}: {} → {}", c.param, c.old, c.new),
        EventKind::Refused { command, reason } => format!("refused {command}: {reason}"),
        EventKind::Pause => "paused".into(),
        EventKind::Resume => "resumed".into(),
        EventKind::Checkpoint => "checkpoint".into(),
        EventKind::Ended { status } => format!("ended: {}", status.as_str()),
        EventKind::Warning { message } => format!("warning: {message}"),
        EventKind::Replaying { until } => format!("replaying its source to step {until}"),
    };
    match &e.source {
        Some(s) => format!("step {}: {what} ({s})", e.step),
        None => format!("step {}: {what}", e.step),
    }
}

/// (width, height, channels) of a PNG file's bytes.
fn png_shape(bytes: &[u8], path: &Path) -> Result<(u32, u32, u32)> {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(|e| Error::input(format!("{}: not a PNG: {e}", path.display())))?;
    let info = reader.info();
    Ok((info.width, info.height, info.color_type.samples() as u32))
}

/// Everything of run `dir` as events in step order (the version record first). Sample
/// images that cannot be read are errors naming the file.
pub fn events(dir: &RunDir) -> Result<Vec<Event>> {
    let log: Vec<EventRecord> = dir.records_checked()?;
    let start = log.first().map_or(0.0, |e| e.time);
    let table = MetricsTable::read(&dir.file(METRICS))?;
    // (step, order within the step, event): metrics first at a step, then scores, texts, images.
    let mut out: Vec<(i64, u8, Event)> = vec![];
    let wall = table.columns.iter().position(|c| c == "wall_time");
    for row in &table.rows {
        let Some(step) = row.first().copied().flatten() else {
            continue;
        };
        let scalars: Vec<(String, f32)> = table
            .columns
            .iter()
            .zip(row)
            .skip(1)
            .filter_map(|(c, v)| v.map(|x| (c.clone(), x as f32)))
            .collect();
        let t = start + wall.and_then(|w| row[w]).unwrap_or(0.0);
        out.push((
            step as i64,
            0,
            Event {
                step: step as i64,
                wall_time: t,
                summary: Some(Summary::Scalars(scalars)),
            },
        ));
    }
    for s in dir.records_checked::<ScoreRecord>()? {
        let (Some(step), Some(g)) = (s.step, s.generator.as_ref()) else {
            continue;
        };
        let (score, distance) = if s.network.kind == "classifier" {
            ("classifier_score", "fcd")
        } else {
            ("inception_score", "fid")
        };
        let mut v = vec![];
        if let Some(x) = s.inception_score {
            v.push((format!("score/{g}/{score}"), x as f32));
        }
        if let Some(x) = s.fid {
            v.push((format!("score/{g}/{distance}"), x as f32));
        }
        if !v.is_empty() {
            out.push((
                step as i64,
                1,
                Event {
                    step: step as i64,
                    wall_time: s.time,
                    summary: Some(Summary::Scalars(v)),
                },
            ));
        }
    }
    if let Ok(config) = dir.read(CONFIG) {
        out.push((
            0,
            2,
            Event {
                step: 0,
                wall_time: start,
                summary: Some(Summary::Text("config".into(), config)),
            },
        ));
    }
    for e in &log {
        out.push((
            e.step as i64,
            2,
            Event {
                step: e.step as i64,
                wall_time: e.time,
                summary: Some(Summary::Text("events".into(), describe(e))),
            },
        ));
    }
    for f in sample_files::list(dir)
        .into_iter()
        .filter(|f| f.ext == "png")
    {
        let bytes = std::fs::read(&f.path).map_err(|e| io_error(&f.path, e))?;
        let (w, h, c) = png_shape(&bytes, &f.path)?;
        out.push((
            f.step as i64,
            3,
            Event {
                step: f.step as i64,
                wall_time: start,
                summary: Some(Summary::Image(
                    format!("samples/{}", f.kind),
                    w,
                    h,
                    c,
                    bytes,
                )),
            },
        ));
    }
    // TensorBoard drops a tag's points after a step that goes back: one order for all.
    out.sort_by_key(|(step, order, _)| (*step, *order));
    let mut events = vec![Event {
        step: 0,
        wall_time: start,
        summary: None,
    }];
    events.extend(out.into_iter().map(|(_, _, e)| e));
    Ok(events)
}

/// Writes run `dir` as an event file into `out` (created if needed), replacing the file of an
/// earlier export of the same run.
pub fn export(dir: &RunDir, out: &Path) -> Result<Written> {
    let events = events(dir)?;
    let mut bytes = vec![];
    let mut written = Written::default();
    for e in &events {
        match &e.summary {
            Some(Summary::Scalars(v)) => written.scalars += v.len(),
            Some(Summary::Text(..)) => written.texts += 1,
            Some(Summary::Image(..)) => written.images += 1,
            None => {}
        }
        write_record(&mut bytes, &encode(e));
    }
    // Directories made here and left empty by a failed write (a full disk) are removed again.
    let made: Vec<&Path> = out
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .collect();
    let unmake = || made.iter().for_each(|d| _ = std::fs::remove_dir(d));
    if let Err(e) = std::fs::create_dir_all(out) {
        unmake();
        return Err(io_error(out, e));
    }
    written.path = out.join(file_name(events[0].wall_time));
    if let Err(e) = write_atomic(&written.path, &bytes) {
        unmake();
        return Err(e);
    }
    Ok(written)
}

/// Reads an event file written by [`export`] back (every record's CRCs checked); the error
/// says what is wrong and where.
pub fn read(bytes: &[u8]) -> std::result::Result<Vec<Event>, String> {
    fn bytes_of<'a>(v: &Value<'a>) -> std::result::Result<&'a [u8], String> {
        match v {
            Value::Bytes(b) => Ok(b),
            other => Err(format!("expected a length-delimited field, got {other:?}")),
        }
    }
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|e| e.to_string());
    let mut out = vec![];
    for (k, rec) in read_records(bytes)?.into_iter().enumerate() {
        let at = |e: String| format!("event {k}: {e}");
        let mut e = Event {
            step: 0,
            wall_time: 0.0,
            summary: None,
        };
        for (f, v) in fields(rec).map_err(at)? {
            match f {
                1 => e.wall_time = v.as_f64().ok_or_else(|| at("wall_time".into()))?,
                2 => e.step = v.as_i64().ok_or_else(|| at("step".into()))?,
                3 => {
                    let version = text(bytes_of(&v).map_err(at)?).map_err(at)?;
                    if version != "brain.Event:2" {
                        return Err(at(format!("file_version {version}")));
                    }
                }
                5 => e.summary = Some(summary(bytes_of(&v).map_err(at)?).map_err(at)?),
                _ => {}
            }
        }
        out.push(e);
    }
    Ok(out)
}

/// A `Summary` message of the three shapes [`export`] writes.
fn summary(b: &[u8]) -> std::result::Result<Summary, String> {
    let bytes_of = |v: &Value<'_>| -> std::result::Result<Vec<u8>, String> {
        match v {
            Value::Bytes(b) => Ok(b.to_vec()),
            other => Err(format!("expected bytes, got {other:?}")),
        }
    };
    let text = |b: Vec<u8>| String::from_utf8(b).map_err(|e| e.to_string());
    let mut scalars = vec![];
    for (f, v) in fields(b)? {
        if f != 1 {
            continue;
        }
        let (mut tag, mut scalar, mut image, mut tensor) = (String::new(), None, None, None);
        for (g, w) in fields(&bytes_of(&v)?)? {
            match g {
                1 => tag = text(bytes_of(&w)?)?,
                2 => scalar = w.as_f32(),
                4 => image = Some(bytes_of(&w)?),
                8 => tensor = Some(bytes_of(&w)?),
                _ => {}
            }
        }
        if let Some(img) = image {
            let (mut h, mut w, mut c, mut png) = (0, 0, 0, vec![]);
            for (g, x) in fields(&img)? {
                match g {
                    1 => h = x.as_i64().unwrap_or(0) as u32,
                    2 => w = x.as_i64().unwrap_or(0) as u32,
                    3 => c = x.as_i64().unwrap_or(0) as u32,
                    4 => png = bytes_of(&x)?,
                    _ => {}
                }
            }
            return Ok(Summary::Image(tag, w, h, c, png));
        }
        if let Some(t) = tensor {
            let s = fields(&t)?
                .into_iter()
                .find(|(g, _)| *g == 8)
                .ok_or("a text tensor without a string")?;
            return Ok(Summary::Text(tag, text(bytes_of(&s.1)?)?));
        }
        scalars.push((tag, scalar.ok_or("a value without a simple_value")?));
    }
    Ok(Summary::Scalars(scalars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::store::EVENTS;

    #[test]
    fn a_run_directory_becomes_an_event_file_that_reads_back() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        dir.replace(CONFIG, b"(name: \"r\")").unwrap();
        dir.replace(
            METRICS,
            b"step,oracle_calls,wall_time,loss_theta,eta_phi\n0,0,0,1.5,0.1\n10,20,0.5,,0.05\n20,40,1,0.25,0.05\n30,6",
        )
        .unwrap();
        dir.append_line(EVENTS, r#"{"step":0,"time":1000.0,"event":"started"}"#)
            .unwrap();
        dir.append_line(
            EVENTS,
            r#"{"step":10,"time":1001.0,"source":"control-file","event":"set","param":"eta.phi","old":0.1,"new":0.05}"#,
        )
        .unwrap();
        let png = sample_files::path(&dir, "grid", 20, "png");
        std::fs::create_dir_all(png.parent().unwrap()).unwrap();
        crate::neural::picture::write_png(&png, 2, 1, &[255, 0, 0, 0, 0, 255]).unwrap();
        let out = t.path().join("tb");
        let w = export(&dir, &out).unwrap();
        assert_eq!(w.path, out.join("events.out.tfevents.1000.saddle"));
        assert_eq!((w.scalars, w.texts, w.images), (4 + 3 + 4, 3, 1));
        let back = read(&std::fs::read(&w.path).unwrap()).unwrap();
        assert_eq!(back[0].summary, None, "the version record first");
        assert_eq!(back.len(), 1 + 3 + 3 + 1);
        assert!(
            back.windows(2).all(|p| p[0].step <= p[1].step),
            "step order"
        );
        let scalars: Vec<(i64, String, f32)> = back
            .iter()
            .filter_map(|e| match &e.summary {
                Some(Summary::Scalars(v)) => {
                    Some(v.iter().map(move |(t, x)| (e.step, t.clone(), *x)))
                }
                _ => None,
            })
            .flatten()
            .collect();
        assert!(scalars.contains(&(0, "loss_theta".into(), 1.5)));
        assert!(scalars.contains(&(10, "eta_phi".into(), 0.05)));
        assert!(scalars.contains(&(20, "wall_time".into(), 1.0)));
        assert!(
            !scalars.iter().any(|s| s.0 == 10 && s.1 == "loss_theta"),
            "empty cell"
        );
        assert!(!scalars.iter().any(|s| s.0 == 30), "torn row");
        let texts: Vec<(i64, String, String)> = back
            .iter()
            .filter_map(|e| match &e.summary {
                Some(Summary::Text(t, x)) => Some((e.step, t.clone(), x.clone())),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&(
            10,
            "events".into(),
            "step 10: set eta.phi: 0.1 → 0.05 (control-file)".into()
        )));
        assert!(texts
            .iter()
            .any(|t| t.1 == "config" && t.2.contains("name")));
        let image = back.iter().find_map(|e| match &e.summary {
            Some(Summary::Image(tag, w, h, c, bytes)) => {
                Some((e.step, tag.clone(), *w, *h, *c, bytes.len()))
            }
            _ => None,
        });
        let size = std::fs::metadata(&png).unwrap().len() as usize;
        assert_eq!(image, Some((20, "samples/grid".into(), 2, 1, 3, size)));
        // The wall time of a row: the start plus its seconds of stepping.
        let row20 = back
            .iter()
            .find(|e| e.step == 20 && matches!(e.summary, Some(Summary::Scalars(_))))
            .unwrap();
        assert_eq!(row20.wall_time, 1001.0);
        // Exported again: the same file, replaced.
        assert_eq!(export(&dir, &out).unwrap().path, w.path);
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    }

    #[test]
    fn a_damaged_sample_picture_is_named() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        dir.replace(METRICS, b"step,oracle_calls,wall_time\n0,0,0\n")
            .unwrap();
        let png = sample_files::path(&dir, "grid", 0, "png");
        std::fs::create_dir_all(png.parent().unwrap()).unwrap();
        std::fs::write(&png, b"torn").unwrap();
        let e = export(&dir, &t.path().join("tb")).unwrap_err();
        assert!(
            e.message.contains("grid-000000000.png: not a PNG"),
            "{}",
            e.message
        );
        assert!(!t.path().join("tb").exists(), "nothing written");
    }
}
