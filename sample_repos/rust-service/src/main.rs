use orders_api::config::Config;
use orders_api::store::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let store = Store::default();
    println!("listening on {} with {} orders", config.addr(), store.len());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
