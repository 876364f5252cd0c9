//! Orders service library.
#![warn(clippy::all)]

pub mod config;
pub mod store;

#[cfg(test)]
mod tests;
