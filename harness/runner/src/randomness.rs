//! Whether identifiers a server hands out (transaction IDs, server challenges, matching IDs)
//! could be guessed: a statistical check over a sample of them.
//!
//! The estimate is deliberately simple and conservative about what it can see: per byte
//! position, `log2` of the number of distinct values the sample shows there (so at most
//! `log2(n)` bits per position for `n` samples). Counters, timestamps and fixed prefixes add
//! next to nothing; a random identifier of `L` bytes reaches about `L * log2(n)` bits. The bar
//! is 64 bits (OWASP's minimum for session identifiers), which needs a sample of at least 16.

use std::collections::BTreeSet;

/// Fewest unpredictable bits an identifier must show.
pub const MIN_BITS: f64 = 64.0;

/// The verdict on a sample of identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub samples: usize,
    /// Every identifier differs from every other.
    pub distinct: bool,
    pub min_len: usize,
    pub max_len: usize,
    /// Sum over byte positions of log2(distinct values seen there).
    pub estimated_bits: f64,
    /// Consecutive identifiers, read as big-endian integers, differ by the same small step.
    pub sequential: bool,
    /// Share of one-bits over the varying positions (binary identifiers), if any vary.
    pub ones_share: Option<f64>,
    /// The one-bit share is further from 1/2 than four standard deviations.
    pub biased: bool,
}

impl Assessment {
    /// Nothing here suggests the identifiers could be guessed.
    pub fn unpredictable(&self) -> bool {
        self.distinct && !self.sequential && !self.biased && self.estimated_bits >= MIN_BITS
    }

    /// One line for a report.
    pub fn summary(&self) -> String {
        format!(
            "{} samples, {}–{} bytes, distinct {}, about {:.0} varying bits (need {MIN_BITS:.0}), \
             sequential {}, one-bit share {}",
            self.samples,
            self.min_len,
            self.max_len,
            self.distinct,
            self.estimated_bits,
            self.sequential,
            self.ones_share
                .map(|s| format!("{s:.3}{}", if self.biased { " (biased)" } else { "" }))
                .unwrap_or_else(|| "n/a".into()),
        )
    }
}

/// Assesses a sample; `binary` = the identifiers are random bytes (a one-bit balance test
/// applies), not text.
pub fn assess(samples: &[Vec<u8>], binary: bool) -> Assessment {
    let n = samples.len();
    let distinct = samples.iter().collect::<BTreeSet<_>>().len() == n;
    let min_len = samples.iter().map(Vec::len).min().unwrap_or(0);
    let max_len = samples.iter().map(Vec::len).max().unwrap_or(0);
    let mut estimated_bits = 0.0;
    let mut varying = Vec::new();
    for pos in 0..max_len {
        let values: BTreeSet<Option<u8>> = samples.iter().map(|s| s.get(pos).copied()).collect();
        if values.len() > 1 {
            estimated_bits += (values.len() as f64).log2();
            varying.push(pos);
        }
    }
    let (ones_share, biased) = if binary && !varying.is_empty() {
        let (mut ones, mut bits) = (0u64, 0u64);
        for s in samples {
            for &p in &varying {
                if let Some(b) = s.get(p) {
                    ones += u64::from(b.count_ones());
                    bits += 8;
                }
            }
        }
        let share = ones as f64 / bits as f64;
        let sigma = 0.5 / (bits as f64).sqrt();
        (Some(share), (share - 0.5).abs() > 4.0 * sigma)
    } else {
        (None, false)
    };
    Assessment {
        samples: n,
        distinct,
        min_len,
        max_len,
        estimated_bits,
        sequential: sequential(samples),
        ones_share,
        biased,
    }
}

/// Consecutive values (as big-endian integers of equal length) step by the same amount below
/// 2^32: a counter.
fn sequential(samples: &[Vec<u8>]) -> bool {
    if samples.len() < 3 || samples.iter().any(|s| s.len() != samples[0].len()) {
        return false;
    }
    // The low 16 bytes are enough to see a counter.
    let as_int = |s: &[u8]| {
        s.iter()
            .rev()
            .take(16)
            .rev()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
    };
    let values: Vec<u128> = samples.iter().map(|s| as_int(s)).collect();
    let step = values[1].wrapping_sub(values[0]);
    step != 0
        && (step < 1 << 32 || step.wrapping_neg() < 1 << 32)
        && values.windows(2).all(|w| w[1].wrapping_sub(w[0]) == step)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64: good enough random bytes for the tests, with no extra dependency.
    fn random(n: usize, len: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        };
        (0..n).map(|_| (0..len).map(|_| next()).collect()).collect()
    }

    #[test]
    fn random_16_byte_identifiers_pass() {
        let a = assess(&random(32, 16, 1), true);
        assert!(a.unpredictable(), "{}", a.summary());
        assert!(a.estimated_bits > 70.0, "{}", a.summary());
    }

    #[test]
    fn a_counter_fails() {
        let s: Vec<Vec<u8>> = (0u64..32)
            .map(|i| (1_000 + i * 7).to_be_bytes().to_vec())
            .collect();
        let a = assess(&s, true);
        assert!(a.sequential, "{}", a.summary());
        assert!(!a.unpredictable());
    }

    #[test]
    fn a_fixed_prefix_and_short_random_tail_fails() {
        let mut s = random(32, 4, 2);
        for v in &mut s {
            v.splice(0..0, *b"RSPCHECK-0000");
        }
        let a = assess(&s, false);
        assert!(a.distinct);
        assert!(a.estimated_bits < MIN_BITS, "{}", a.summary());
        assert!(!a.unpredictable());
    }

    #[test]
    fn repeats_fail() {
        let mut s = random(32, 16, 3);
        s[5] = s[9].clone();
        assert!(!assess(&s, true).unpredictable());
    }

    #[test]
    fn biased_bytes_fail() {
        // Random in the low 5 bits of every byte only: three bits of each are always zero.
        let s: Vec<Vec<u8>> = random(64, 16, 4)
            .into_iter()
            .map(|v| v.into_iter().map(|b| b & 0x1F).collect())
            .collect();
        let a = assess(&s, true);
        assert!(a.biased, "{}", a.summary());
    }

    #[test]
    fn an_empty_sample_is_not_unpredictable() {
        assert!(!assess(&[], true).unpredictable());
    }
}
