//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "escalator",
    version,
    about = "Escalation adapter for contact-center platforms"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (embedded defaults when no config file is given).
    Serve {
        /// TOML configuration file.
        #[arg(long, short, env = "ESCALATOR_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Check a configuration file and the environment; report every problem by key.
    CheckConfig {
        /// TOML configuration file (defaults to $ESCALATOR_CONFIG, else the built-in defaults).
        #[arg(env = "ESCALATOR_CONFIG")]
        file: Option<PathBuf>,
    },
    /// Feed payload files through verify, normalize and decide; print the normalized
    /// events, decisions and planned actions as JSON lines. Nothing is sent anywhere.
    Replay {
        /// Vendor of the payloads (default: the name of each file's directory).
        #[arg(long)]
        vendor: Option<String>,
        /// Configuration whose team mapping to show in planned actions.
        #[arg(long, short, env = "ESCALATOR_CONFIG")]
        config: Option<PathBuf>,
        /// Payload files, replayed in order as one stream (a call's state carries over).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}
