//! Which image protocol the terminal speaks, found without blocking or garbling the screen.
//!
//! 1. `SADDLE_GRAPHICS` (kitty, iterm2, sixel, halfblocks) decides when set.
//! 2. Inside tmux or screen, half blocks: without passthrough the sequences never reach the
//!    outer terminal, and with it they land at the wrong place when panes move.
//! 3. iTerm2 (and WezTerm, which speaks its protocol) says so in the environment, also over
//!    SSH (`LC_TERMINAL` is forwarded with the locale).
//! 4. Otherwise one query: a kitty graphics probe (`a=q`, nothing drawn) followed by Primary
//!    Device Attributes, which every terminal answers. Terminals answer in order, so once the
//!    attributes are in, a kitty answer would have come before them; attribute 4 is sixel.
//!    No answer within [`QUERY_TIMEOUT`]: half blocks.

use std::io::Write;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// How long the terminal has to answer the query before half blocks are chosen.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(400);

/// The query: a kitty probe of a 1×1 RGB image that is never stored, then DA1.
pub const QUERY: &str = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[c";

/// How the samples pane draws images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// The kitty graphics protocol.
    Kitty,
    /// iTerm2's inline images.
    Iterm2,
    /// DEC sixel.
    Sixel,
    /// Two pixels per cell with `▀` (any terminal).
    HalfBlocks,
}

impl Protocol {
    /// Its name, as `SADDLE_GRAPHICS` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Kitty => "kitty",
            Protocol::Iterm2 => "iterm2",
            Protocol::Sixel => "sixel",
            Protocol::HalfBlocks => "halfblocks",
        }
    }

    /// The protocol named `s` (as [`Protocol::name`] writes it).
    pub fn parse(s: &str) -> Option<Protocol> {
        [
            Protocol::Kitty,
            Protocol::Iterm2,
            Protocol::Sixel,
            Protocol::HalfBlocks,
        ]
        .into_iter()
        .find(|p| p.name() == s.trim().to_ascii_lowercase())
    }
}

/// What the terminal answered to [`QUERY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Answer {
    /// It answered the kitty probe with OK.
    pub kitty: bool,
    /// Its device attributes include 4 (sixel graphics).
    pub sixel: bool,
}

/// The answer in `bytes` once the device attributes (`ESC [ ? Ps ; … c`) are complete;
/// None while they are not.
pub fn parse_answer(bytes: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(bytes);
    let start = text.find("\x1b[?")?;
    let attrs = &text[start + 3..];
    let end = attrs.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    if !attrs[end..].starts_with('c') {
        return None;
    }
    Some(Answer {
        kitty: text[..start].contains("\x1b_Gi=31;OK"),
        sixel: attrs[..end].split(';').skip(1).any(|a| a == "4"),
    })
}

/// Writes [`QUERY`] to `out` and reads the answer from `input` (a terminal in raw mode) for
/// at most `timeout`; None when none came in time. Never blocks longer: reads only after
/// `poll` says there are bytes.
pub fn query(input: RawFd, out: &mut impl Write, timeout: Duration) -> Option<Answer> {
    out.write_all(QUERY.as_bytes()).ok()?;
    out.flush().ok()?;
    let deadline = Instant::now() + timeout;
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let mut pfd = libc::pollfd {
            fd: input,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as libc::c_int) };
        if ready <= 0 || pfd.revents & libc::POLLIN == 0 {
            if ready < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            return None;
        }
        // SAFETY: reads into a live buffer of the length given.
        let n = unsafe { libc::read(input, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return None;
        }
        got.extend_from_slice(&buf[..n as usize]);
        if let Some(a) = parse_answer(&got) {
            return Some(a);
        }
        if got.len() > 4096 {
            return None;
        }
    }
}

/// The protocol `SADDLE_GRAPHICS` forces, if any ("auto" and empty force none); an unknown
/// name is an error naming the variable and what it takes.
pub fn forced(env: impl Fn(&str) -> Option<String>) -> Result<Option<Protocol>, String> {
    match env("SADDLE_GRAPHICS") {
        None => Ok(None),
        Some(v) if v.trim().is_empty() || v.trim() == "auto" => Ok(None),
        Some(v) => Protocol::parse(&v).map(Some).ok_or_else(|| {
            format!("SADDLE_GRAPHICS={v}: expected one of auto, kitty, iterm2, sixel, halfblocks")
        }),
    }
}

/// The protocol for this terminal and why it was chosen: `forced` when given, else from the
/// environment (`env`), else from the terminal's answer; `ask` runs the query and is called
/// only when the environment leaves the choice open.
pub fn choose(
    forced: Option<Protocol>,
    env: impl Fn(&str) -> Option<String>,
    ask: impl FnOnce() -> Option<Answer>,
) -> (Protocol, String) {
    if let Some(p) = forced {
        return (p, format!("SADDLE_GRAPHICS={}", p.name()));
    }
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if set("TMUX").is_some() {
        return (Protocol::HalfBlocks, "inside tmux".into());
    }
    if set("STY").is_some() {
        return (Protocol::HalfBlocks, "inside screen".into());
    }
    let term = env("TERM").unwrap_or_default();
    if term.is_empty() || term == "dumb" || term == "linux" {
        return (Protocol::HalfBlocks, format!("TERM={term}"));
    }
    if let Some(p) = set("TERM_PROGRAM").filter(|p| p == "iTerm.app" || p == "WezTerm") {
        return (Protocol::Iterm2, format!("TERM_PROGRAM={p}"));
    }
    if env("LC_TERMINAL").as_deref() == Some("iTerm2") {
        return (Protocol::Iterm2, "LC_TERMINAL=iTerm2".into());
    }
    match ask() {
        None => (
            Protocol::HalfBlocks,
            format!(
                "the terminal did not answer within {} ms",
                QUERY_TIMEOUT.as_millis()
            ),
        ),
        Some(a) if a.kitty => (
            Protocol::Kitty,
            "the terminal answered the kitty probe".into(),
        ),
        Some(a) if a.sixel => (
            Protocol::Sixel,
            "the terminal reports sixel (attribute 4)".into(),
        ),
        Some(_) => (
            Protocol::HalfBlocks,
            "the terminal reports no image protocol".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn answers_are_parsed_once_the_attributes_are_complete() {
        assert_eq!(parse_answer(b""), None);
        assert_eq!(parse_answer(b"\x1b[?62;4"), None);
        assert_eq!(
            parse_answer(b"\x1b[?62;4;22c"),
            Some(Answer {
                kitty: false,
                sixel: true
            })
        );
        assert_eq!(
            parse_answer(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c"),
            Some(Answer {
                kitty: true,
                sixel: false
            })
        );
        // "4" must be an attribute of its own, and the first number is the class.
        assert_eq!(
            parse_answer(b"\x1b[?4;14;44c"),
            Some(Answer {
                kitty: false,
                sixel: false
            })
        );
        assert_eq!(
            parse_answer(b"\x1b_Gi=31;ENOTSUPPORTED\x1b\\\x1b[?1;2c"),
            Some(Answer {
                kitty: false,
                sixel: false
            })
        );
    }

    #[test]
    fn the_environment_decides_before_any_query() {
        let never = || -> Option<Answer> { panic!("no query expected") };
        let pick = |pairs: &[(&str, &str)]| {
            let e = env(pairs);
            choose(forced(&e).unwrap(), &e, never).0
        };
        assert_eq!(
            pick(&[("SADDLE_GRAPHICS", "sixel"), ("TMUX", "x")]),
            Protocol::Sixel
        );
        assert_eq!(
            pick(&[("SADDLE_GRAPHICS", "auto"), ("TMUX", "x")]),
            Protocol::HalfBlocks
        );
        assert_eq!(
            pick(&[("TMUX", "/tmp/tmux-0/default,1,0"), ("TERM", "xterm-kitty")]),
            Protocol::HalfBlocks
        );
        assert_eq!(
            pick(&[("STY", "1.pts"), ("TERM", "xterm")]),
            Protocol::HalfBlocks
        );
        assert_eq!(pick(&[("TERM", "dumb")]), Protocol::HalfBlocks);
        assert_eq!(
            pick(&[("TERM", "xterm-256color"), ("TERM_PROGRAM", "iTerm.app")]),
            Protocol::Iterm2
        );
        assert_eq!(
            pick(&[("TERM", "xterm-256color"), ("LC_TERMINAL", "iTerm2")]),
            Protocol::Iterm2
        );
        let err = forced(env(&[("SADDLE_GRAPHICS", "png")])).unwrap_err();
        assert!(err.contains("SADDLE_GRAPHICS=png"), "{err}");
    }

    #[test]
    fn the_answer_decides_otherwise() {
        let e = env(&[("TERM", "xterm-256color")]);
        let with = |a: Option<Answer>| choose(None, &e, || a);
        assert_eq!(
            with(Some(Answer {
                kitty: true,
                sixel: true
            }))
            .0,
            Protocol::Kitty
        );
        assert_eq!(
            with(Some(Answer {
                kitty: false,
                sixel: true
            }))
            .0,
            Protocol::Sixel
        );
        assert_eq!(with(Some(Answer::default())).0, Protocol::HalfBlocks);
        let (p, why) = with(None);
        assert_eq!(p, Protocol::HalfBlocks);
        assert!(why.contains("did not answer"), "{why}");
    }

    fn pipe() -> (std::fs::File, std::fs::File) {
        let mut fds = [0; 2];
        // SAFETY: a two-element array for pipe(2) to fill.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        use std::os::fd::FromRawFd;
        // SAFETY: both descriptors are fresh and owned by nothing else.
        unsafe {
            (
                std::fs::File::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        }
    }

    #[test]
    fn a_silent_terminal_gets_no_answer_within_the_timeout() {
        use std::os::fd::AsRawFd;
        let (r, _w) = pipe();
        let mut sent = Vec::new();
        let t0 = Instant::now();
        let a = query(r.as_raw_fd(), &mut sent, Duration::from_millis(150));
        let waited = t0.elapsed();
        assert_eq!(a, None);
        assert!(waited >= Duration::from_millis(140), "{waited:?}");
        assert!(waited < Duration::from_millis(1000), "{waited:?}");
        assert_eq!(sent, QUERY.as_bytes());
    }

    #[test]
    fn an_answer_arriving_in_pieces_is_read() {
        use std::os::fd::AsRawFd;
        let (r, mut w) = pipe();
        let writer = std::thread::spawn(move || {
            w.write_all(b"\x1b_Gi=31;OK\x1b\\\x1b[?6").unwrap();
            std::thread::sleep(Duration::from_millis(30));
            w.write_all(b"2;4c").unwrap();
            w
        });
        let a = query(r.as_raw_fd(), &mut Vec::new(), Duration::from_secs(5));
        drop(writer.join());
        assert_eq!(
            a,
            Some(Answer {
                kitty: true,
                sixel: true
            })
        );
    }
}
