use crate::config::Config;

#[test]
fn addr_joins_host_and_port() {
    let config = Config { host: "localhost".into(), port: "80".parse().unwrap() };
    assert_eq!(config.addr(), "localhost:80");
}
