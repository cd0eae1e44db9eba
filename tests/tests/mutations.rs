//! The fuzz target's properties on every `cargo test`, without a fuzzer:
//! thousands of deterministic mutations of real households (bit flips,
//! truncations, insertions, duplicated and deleted spans) go through
//! `rulehost_input::check_line`, the same check `fuzz/` runs. None may
//! panic, and every one is either a household or a rejection with a
//! message, with both schema validators agreeing.

use rulehost::HouseholdReader;
use rulehost_tests::sample;

/// SplitMix64: a deterministic stream of mutation choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, line: &[u8]) -> Vec<u8> {
    let mut m = line.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(m.len());
        match rng.below(6) {
            0 => m[at] ^= 1 << rng.below(8),
            1 => m.truncate(at),
            2 => m.insert(at, b"{}[]\":,0-e.\\\xff\xc3 "[rng.below(15)]),
            3 => {
                let end = (at + rng.below(64)).min(m.len());
                let span = m[at..end].to_vec();
                m.splice(at..at, span);
            }
            4 => {
                let end = (at + rng.below(64)).min(m.len());
                m.drain(at..end);
            }
            _ => m[at] = b"0123456789"[rng.below(10)],
        }
        if m.is_empty() {
            break;
        }
    }
    m
}

#[test]
fn mutated_households_never_panic_and_always_get_a_kind() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = sample(50, 8);
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut rng = Rng(2024);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let line = lines[rng.below(lines.len())];
        let mutated = mutate(&mut rng, line);
        rulehost_input::check_line(&reader, &mutated);
        let result = std::str::from_utf8(&mutated).map(|text| reader.read(text));
        match result {
            Ok(Ok(parsed)) => {
                accepted += 1;
                assert!(!parsed.household_id.is_empty() && !parsed.household.members.is_empty());
            }
            Ok(Err(failure)) => {
                rejected += 1;
                assert!(!failure.message.is_empty(), "{failure:?}");
            }
            Err(_) => rejected += 1,
        }
    }
    assert!(rejected > 10_000, "most mutations break a household: {rejected}");
    assert!(accepted > 100, "some mutations stay valid (digit changes): {accepted}");
}
