//! Why a scenario could not be run at all: the harness's own trouble (a folder, a port, the
//! initiator program), never the integration's, which the judge reports instead.

use crate::mock_cloud::StartError;

/// A scenario that could not be run; the report shows it as an error, with this message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The run's private work folder could not be made.
    #[error("{0}")]
    WorkFolder(String),
    /// The scenario's emulator did not start (a port, a scenario the World refuses).
    #[error(transparent)]
    Emulator(#[from] StartError),
    /// The initiator program, its key or its configuration could not be put in place.
    #[error("{0}")]
    Shim(String),
}
