//! The page's components: each renders one part of the state and dispatches through callbacks.

mod attacker;
mod bar_chart;
mod hexdump;
mod histogram;
mod keys;
mod parameters;
mod profile;
mod progress;
mod results;
mod scenario;
mod server_step;
mod status;
mod step;
mod summary;
mod validation;

pub use attacker::AttackerStep;
pub use bar_chart::BarChart;
pub use hexdump::HexDump;
pub use histogram::Histogram;
pub use keys::{KeyFacts, KeysStep};
pub use parameters::ParametersStep;
pub use profile::{EncryptionFacts, ProfileStep};
pub use progress::Progress;
pub use results::ResultsStep;
pub use scenario::ScenarioStep;
pub use server_step::ServerStep;
pub use status::StatusBanner;
pub use step::Step;
pub use summary::{CLIENT_TARGET_MS, RunTimes, SummaryStep};
pub use validation::ValidationStep;
