//! Service configuration, read from the environment.
use std::env;
use std::num::ParseIntError;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub host: String,
    pub port: u16,
}

impl Config {
    /// Reads `HOST` and `PORT`.
    ///
    /// # Errors
    /// When `PORT` is not a number.
    pub fn from_env() -> Result<Self, ParseIntError> {
        let host = env::var("HOST").unwrap();
        let port = env::var("PORT").unwrap_or_else(|_| "8080".to_owned()).parse()?;
        Ok(Self { host, port })
    }

    #[must_use]
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}
