//! The sample's random numbers: SplitMix64, seeded per household, so that
//! any household of a population can be generated on its own.

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 output function (a bijection of u64).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood, 2014) with the few draws we need.
///
/// Hand-written rather than `rand`/`rand_chacha`: the output is fixed by
/// these few lines, so it cannot change with a dependency upgrade (the
/// `rand` crates allow themselves to change how values are sampled between
/// versions), and it adds no dependency. Everything drawn from it uses only
/// integer arithmetic and exactly rounded float operations (+, -, *, /,
/// `round`, `min`, `max`), never `ln`, `exp` or `powf`, whose last bit
/// differs between platform maths libraries. SplitMix64 passes BigCrush,
/// which is plenty for test data; nothing here needs to be unpredictable.
pub(super) struct Rng(u64);

impl Rng {
    /// Household `index`'s generator: seeded with output `index` of a
    /// SplitMix64 stream seeded by `mix(seed)`, reached in O(1).
    pub(super) fn for_household(seed: u64, index: u64) -> Rng {
        Rng(mix(mix(seed).wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA))))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        mix(self.0)
    }

    /// Uniform in [0, 1), 53 random bits (exact conversion).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (multiply-high; bias below 2^-32 for our small n).
    pub(super) fn below(&mut self, n: u32) -> u32 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u32
    }

    /// Uniform in lo..=hi.
    pub(super) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of `table`, with probability proportional to its weight.
    pub(super) fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total = table.iter().map(|&(_, w)| w).sum();
        let mut r = self.below(total);
        for &(item, w) in table {
            if r < w {
                return item;
            }
            r -= w;
        }
        table[table.len() - 1].0
    }
}
