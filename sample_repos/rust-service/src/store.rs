//! An in-memory order store.
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    pub totals: Vec<u64>,
}

#[derive(Debug, Default)]
pub struct Store {
    orders: HashMap<String, Order>,
}

impl Store {
    #[must_use]
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn insert(&mut self, order: Order) {
        self.orders.insert(order.id.clone(), order);
    }

    /// The first line total of an order, if it has any line.
    #[must_use]
    pub fn first_total(&self, id: &str) -> Option<u64> {
        let order = self.orders.get(id)?;
        if order.totals.is_empty() {
            return None;
        }
        // SAFETY: `totals` is not empty (checked above), so index 0 is in bounds.
        Some(unsafe { *order.totals.get_unchecked(0) })
    }

    /// The last line total; callers promise the order has lines.
    #[must_use]
    pub fn last_total(&self, id: &str) -> u64 {
        let order = &self.orders[id];
        unsafe { *order.totals.get_unchecked(order.totals.len() - 1) }
    }

    #[must_use]
    pub fn total(&self, id: &str) -> u64 {
        self.orders.get(id).map(|o| o.totals.iter().sum()).expect("order exists")
    }
}

#[cfg(test)]
mod store_tests {
    use super::*;

    #[test]
    fn first_total_of_empty_order_is_none() {
        let mut store = Store::default();
        store.insert(Order { id: "a".into(), totals: vec![] });
        assert!(store.first_total("a").is_none());
        store.insert(Order { id: "b".into(), totals: vec![3] });
        assert_eq!(store.first_total("b").unwrap(), 3);
    }
}
