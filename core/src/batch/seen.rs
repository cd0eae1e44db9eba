//! The household ids a batch has written, as their 128-bit hashes: the set
//! that finds a repeated id.
//!
//! It is the one part of a batch's memory that grows with the input, so it
//! is laid out for size. The hashes sit once, densely, in fixed blocks that
//! never move; the table holds only each hash's 4-byte index into them.
//! That is about 21 bytes per household at the table's fullest instead of
//! the 34 of a `HashSet<u128>`, and when the table grows it copies 4-byte
//! indexes, not the hashes, so the old and new tables together stay small.

use hashbrown::HashTable;

/// Hashes per block: 1 MiB blocks, allocated one at a time.
const BLOCK: usize = 1 << 16;

#[derive(Clone, Default)]
pub struct SeenIds {
    blocks: Vec<Vec<u128>>,
    len: u32,
    table: HashTable<u32>,
    /// Ids past the 2^32 - 1 that 4-byte indexes reach (no population
    /// comes near it, but a batch never fails for it).
    beyond: std::collections::HashSet<u128>,
}

impl SeenIds {
    /// Adds `id`; false if it was already there.
    pub fn insert(&mut self, id: u128) -> bool {
        let Self { blocks, len, table, beyond } = self;
        // The ids are hashes already: their low bits are the table's hash.
        match table.entry(id as u64, |&i| hash_at(blocks, i) == id, |&i| hash_at(blocks, i) as u64) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(_) if *len == u32::MAX => beyond.insert(id),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let index = *len;
                *len += 1;
                slot.insert(index);
                match blocks.last_mut() {
                    Some(block) if block.len() < BLOCK => block.push(id),
                    _ => {
                        let mut block = Vec::with_capacity(BLOCK);
                        block.push(id);
                        blocks.push(block);
                    }
                }
                true
            }
        }
    }

    pub fn contains(&self, id: &u128) -> bool {
        self.table.find(*id as u64, |&i| hash_at(&self.blocks, i) == *id).is_some() || self.beyond.contains(id)
    }

    pub fn len(&self) -> usize {
        self.len as usize + self.beyond.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn iter(&self) -> impl Iterator<Item = &u128> {
        self.blocks.iter().flatten().chain(&self.beyond)
    }
}

/// The hash at table index `i`.
fn hash_at(blocks: &[Vec<u128>], i: u32) -> u128 {
    blocks[i as usize / BLOCK][i as usize % BLOCK]
}

/// Two sets are equal when they hold the same ids, whatever the order.
impl PartialEq for SeenIds {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|id| other.contains(id))
    }
}

impl Eq for SeenIds {}

impl std::fmt::Debug for SeenIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeenIds").field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::SeenIds;
    use crate::pipeline::id_hash;

    #[test]
    fn an_id_is_new_once_across_blocks_and_growth() {
        let mut seen = SeenIds::default();
        let n = 3 * super::BLOCK as u32 + 17;
        assert!((0..n).all(|i| seen.insert(id_hash(&format!("h{i}")))));
        assert_eq!(seen.len(), n as usize);
        assert!((0..n).all(|i| !seen.insert(id_hash(&format!("h{i}")))), "every id is seen again");
        assert_eq!(seen.len(), n as usize, "a repeated id is not kept twice");
        assert!(seen.contains(&id_hash("h0")) && seen.contains(&id_hash(&format!("h{}", n - 1))));
        assert!(!seen.contains(&id_hash(&format!("h{n}"))));
    }

    #[test]
    fn ids_sharing_their_low_bits_are_told_apart() {
        let mut seen = SeenIds::default();
        let (a, b) = (7u128, (1u128 << 64) | 7);
        assert!(seen.insert(a) && seen.insert(b) && !seen.insert(b));
        assert!(seen.contains(&a) && seen.contains(&b) && !seen.contains(&((2u128 << 64) | 7)));
    }

    #[test]
    fn ids_past_the_indexes_reach_go_to_the_overflow_set() {
        let mut seen = SeenIds { len: u32::MAX, ..SeenIds::default() };
        assert!(seen.insert(5) && !seen.insert(5) && seen.contains(&5) && !seen.contains(&6));
        assert_eq!(seen.len(), u32::MAX as usize + 1);
    }

    #[test]
    fn equal_sets_are_equal_in_any_order() {
        let (mut one, mut two) = (SeenIds::default(), SeenIds::default());
        for id in [1u128, 2, 3] {
            one.insert(id);
        }
        for id in [3u128, 1, 2] {
            two.insert(id);
        }
        assert_eq!(one, two);
        two.insert(4);
        assert_ne!(one, two);
    }
}
