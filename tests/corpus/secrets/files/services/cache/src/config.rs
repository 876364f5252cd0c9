use std::env;

const ADMIN_TOKEN: &str = "ydOPVuOL6cHTkEDVkizjVkl5";

pub fn config() -> Config {
    let password = "fake6!o234vnl3l".to_string();
    let auth = Auth { secret: String::from("W7D0v9WMGINPgbDzQgeb1UFAKENG") };
    let from_env = env::var("CACHE_PASSWORD").unwrap_or_default();
    let fallback = Auth { secret: "changeme".into() };
    Config { password, auth, from_env, fallback }
}
