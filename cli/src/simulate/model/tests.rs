use proptest::prelude::*;

use super::*;

fn life(fresh_until: i64, stale_until: i64, weight: u64) -> Lifetime {
    Lifetime {
        fresh_until,
        stale_until,
        weight,
    }
}

#[test]
fn serves_fresh_then_stale_then_misses() {
    let mut cache = Cache::new(None);
    cache.insert(1, life(10, 15, 0));
    assert_eq!(cache.lookup(1, 9), Found::Fresh);
    assert_eq!(cache.lookup(1, 10), Found::StaleWhileRevalidate);
    assert_eq!(cache.lookup(1, 15), Found::Miss);
    assert_eq!(cache.lookup(2, 0), Found::Miss);
}

#[test]
fn evicts_the_least_recently_used_object() {
    let mut cache = Cache::new(Some(Capacity::Objects(2)));
    cache.insert(1, life(100, 100, 0));
    cache.insert(2, life(100, 100, 0));
    assert_eq!(cache.lookup(1, 0), Found::Fresh);
    cache.insert(3, life(100, 100, 0));
    assert_eq!(cache.lookup(2, 0), Found::Miss);
    assert_eq!(cache.lookup(1, 0), Found::Fresh);
    assert_eq!(cache.lookup(3, 0), Found::Fresh);
    assert_eq!(cache.evictions, 1);
}

#[test]
fn a_byte_capacity_weighs_objects_and_skips_one_too_big() {
    let mut cache = Cache::new(Some(Capacity::Bytes(100)));
    cache.insert(1, life(100, 100, 60));
    cache.insert(2, life(100, 100, 30));
    cache.insert(3, life(100, 100, 30));
    assert_eq!(cache.lookup(1, 0), Found::Miss);
    cache.insert(4, life(100, 100, 500));
    assert_eq!(cache.lookup(4, 0), Found::Miss);
    assert_eq!(
        (cache.lookup(2, 0), cache.lookup(3, 0)),
        (Found::Fresh, Found::Fresh)
    );
}

#[test]
fn parses_capacities() {
    assert_eq!(
        Capacity::parse("100000").unwrap(),
        Capacity::Objects(100_000)
    );
    assert_eq!(
        Capacity::parse("500MB").unwrap(),
        Capacity::Bytes(500_000_000)
    );
    assert_eq!(
        Capacity::parse("10 GiB").unwrap(),
        Capacity::Bytes(10 << 30)
    );
    for bad in ["", "0", "ten", "5 parsecs", "-3"] {
        assert!(Capacity::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    /// Whatever the order of operations, the cache never holds more than its
    /// capacity, and its index and recency list agree.
    #[test]
    fn never_exceeds_its_capacity(ops in proptest::collection::vec((0u64..50, 0u64..40, any::<bool>()), 1..400)) {
        let mut cache = Cache::new(Some(Capacity::Bytes(100)));
        for (key, weight, insert) in ops {
            if insert {
                cache.insert(key, life(10, 10, weight));
            } else {
                cache.lookup(key, 0);
            }
            prop_assert!(cache.weight <= 100);
            let mut walked = 0;
            let mut at = cache.head;
            while at != NIL {
                walked += 1;
                at = cache.nodes[at as usize].next;
            }
            prop_assert_eq!(walked, cache.len());
        }
    }
}
