//! SIGINT and SIGTERM for the commands that run integrations: [`Signals`] resolves with the
//! first one, so the command can end the integrations and write what finished; a second one
//! ends payterm at once.

use crate::exit_codes;

/// The two signals a run stops on, listened to from the moment this is made.
pub(super) struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening (before that, a signal ends payterm as usual).
    pub(super) fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals { interrupt: signal(SignalKind::interrupt()).ok(), terminate: signal(SignalKind::terminate()).ok() }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The name of the first signal to arrive (`SIGINT`, `SIGTERM`); after it, a second one
    /// ends payterm at once with that signal's code.
    pub(super) async fn first(&mut self) -> &'static str {
        let name = self.next().await;
        let mut rest = Signals::listen();
        tokio::spawn(async move {
            let again = rest.next().await;
            eprintln!("payterm: {again} again: stopping at once");
            std::process::exit(exit_code(again));
        });
        name
    }

    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let interrupt = async {
                match &mut self.interrupt {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match &mut self.terminate {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => "SIGINT",
                _ = terminate => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

/// The exit code for stopping on `signal`: 130 for SIGINT, 143 for SIGTERM.
pub(super) fn exit_code(signal: &str) -> i32 {
    if signal == "SIGTERM" { exit_codes::TERMINATED } else { exit_codes::INTERRUPTED }
}
