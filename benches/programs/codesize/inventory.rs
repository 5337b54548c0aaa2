//! A Rust program for benches/codesize.py: std collections, formatting and
//! string handling, built for wasm32-wasip1 in release mode.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

#[derive(Debug, Clone)]
struct Item {
    name: String,
    count: u32,
    price: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let mut by_name: HashMap<String, Item> = HashMap::new();
    for i in 0..n {
        let name = format!("part-{}", (i * 13) % 17);
        let item = by_name.entry(name.clone()).or_insert(Item { name, count: 0, price: 0.0 });
        item.count += i % 5 + 1;
        item.price += f64::from(i) * 0.25;
    }
    let mut sorted: BTreeMap<u32, Vec<&Item>> = BTreeMap::new();
    for item in by_name.values() {
        sorted.entry(item.count).or_default().push(item);
    }
    let seen: HashSet<char> = by_name.keys().flat_map(|k| k.chars()).collect();
    let mut report = String::new();
    for (count, items) in sorted.iter().rev().take(3) {
        let mut names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        names.sort_unstable();
        let _ = writeln!(report, "{count:>4} {:<30} {:.2}", names.join(","), items[0].price);
    }
    print!("{report}");
    println!("{} names, {} distinct chars, {:?}", by_name.len(), seen.len(), by_name.values().map(|i| i.count).max());
}
