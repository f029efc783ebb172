//! The commands, one small adapter each: check the caller, run one core operation off the
//! UI thread, return its result or its `{kind, message}` error. Grouped by screen.

pub mod class;
pub mod families;
pub mod goals;
pub mod portfolio;
pub mod review;
pub mod session;
pub mod settings;
pub mod sharing;
pub mod station;
pub mod sync;
pub mod welcome;

/// What every command returns: core's error serialises as `{kind, message}`.
pub type Reply<T> = Result<T, goalpost::Error>;
