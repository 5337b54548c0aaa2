//! Word frequencies over a built-in text: a HashMap to count, a BTreeMap to
//! group words by length, and a sort by (count descending, word ascending)
//! so the output does not depend on hash order.

use std::collections::{BTreeMap, HashMap};

const TEXT: &str = "It was the best of times, it was the worst of times, it was the age \
of wisdom, it was the age of foolishness, it was the epoch of belief, it was the epoch \
of incredulity, it was the season of Light, it was the season of Darkness, it was the \
spring of hope, it was the winter of despair, we had everything before us, we had \
nothing before us, we were all going direct to Heaven, we were all going direct the \
other way.";

fn main() {
    // How many of the most frequent words to print: the first argument.
    let top: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);

    let mut counts: HashMap<String, u32> = HashMap::new();
    for word in TEXT
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }

    let mut ranked: Vec<(&String, &u32)> = counts.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("{} words, {} distinct", counts.values().sum::<u32>(), counts.len());
    for (word, n) in ranked.iter().take(top) {
        println!("{n:>3} {word}");
    }

    let mut by_length: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for word in counts.keys() {
        by_length.entry(word.len()).or_default().push(word);
    }
    for (len, words) in &mut by_length {
        words.sort_unstable();
        println!("{len:>2}: {}", words.join(" "));
    }
}
