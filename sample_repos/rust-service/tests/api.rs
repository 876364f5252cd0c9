use orders_api::store::{Order, Store};

#[test]
fn total_sums_lines() {
    let mut store = Store::default();
    store.insert(Order { id: "a".into(), totals: vec![1, 2] });
    assert_eq!(store.first_total("a").unwrap(), 1);
    assert_eq!(store.total("a"), 3);
}
