//! SIGINT, SIGTERM and SIGHUP (and SIGPIPE: its output closed) end every run of the process
//! cleanly: each checkpoints and ends with status `interrupted` (resumable). The handlers only raise a flag, which the step loop
//! reads at each poll; a second signal while the runs wind down exits at once (code 1).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// A flag that ends the runs reading it.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// The process's flag: the one [`install_signal_handlers`] routes the signals to.
    pub fn process() -> Interrupt {
        static FLAG: OnceLock<Interrupt> = OnceLock::new();
        FLAG.get_or_init(Interrupt::default).clone()
    }

    /// True once raised.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Raises it.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed)
    }

    /// Routes `signals` to this flag instead of their default action; a second one exits the
    /// process with code 1.
    fn catch(&self, signals: &[libc::c_int]) {
        for &sig in signals {
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 1, self.0.clone());
            let _ = signal_hook::flag::register(sig, self.0.clone());
        }
    }
}

/// True once SIGINT, SIGTERM or SIGHUP arrived (see [`install_signal_handlers`]).
pub fn interrupted() -> bool {
    Interrupt::process().is_set()
}

/// Routes SIGINT, SIGTERM and SIGHUP to [`interrupted`] instead of killing the process; a
/// second signal while the runs wind down exits at once (code 1). SIGPIPE — the reader of
/// the progress lines went away (`saddle run … | head`, a dead `tee`) — ends the runs the same
/// way, checkpointed and resumable, where its default action killed them mid-step; it never
/// exits at once, since every later progress line raises it again (those writes then fail,
/// and the console ignores that).
///
/// Installed once per process, whoever calls it first: a second set of handlers would see the
/// flag the first set just raised and exit on the first signal.
pub fn install_signal_handlers() {
    install_interrupt_handlers();
    static PIPE: std::sync::Once = std::sync::Once::new();
    PIPE.call_once(|| {
        let flag = Interrupt::process();
        let _ = signal_hook::flag::register(signal_hook::consts::SIGPIPE, flag.0.clone());
    });
}

/// Routes SIGINT, SIGTERM and SIGHUP to [`interrupted`] as [`install_signal_handlers`] does,
/// leaving SIGPIPE its default action: for commands that print their result once it is
/// complete (`saddle stability`), whose reader going away (`… | head`) should end them
/// quietly — with SIGPIPE routed to the flag, the next write to the closed pipe fails and
/// `println!` panics. Installed once per process, shared with [`install_signal_handlers`].
pub fn install_interrupt_handlers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        Interrupt::process().catch(&[
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ])
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_signal_raises_the_flag_instead_of_ending_the_process() {
        // SIGUSR2 and a flag of its own: the process flag stays down for the other tests.
        let flag = Interrupt::default();
        flag.catch(&[signal_hook::consts::SIGUSR2]);
        assert!(!flag.is_set());
        // SAFETY: raise only delivers a signal to this thread; its handler is installed above.
        assert_eq!(unsafe { libc::raise(signal_hook::consts::SIGUSR2) }, 0);
        assert!(flag.is_set(), "the handler raised the flag");
        assert!(!interrupted(), "other runs of the process are not touched");
    }

    #[test]
    fn the_process_flag_is_one_flag() {
        let (a, b) = (Interrupt::process(), Interrupt::process());
        assert!(Arc::ptr_eq(&a.0, &b.0));
    }
}
