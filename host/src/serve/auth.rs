//! Optional bearer-token authentication: tokens from a file (one a line),
//! compared in constant time through their sha256 digests, so neither the
//! content nor the length of a token leaks through timing.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// The accepted tokens, kept as digests.
pub struct Tokens(Vec<[u8; 32]>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} tokens)", self.0.len())
    }
}

impl Tokens {
    /// Reads a token file: one token a line; blank lines and lines starting
    /// with `#` are skipped. A file without a token is refused.
    pub fn load(path: &Path) -> anyhow::Result<Tokens> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading tokens `{}`", path.display()))?;
        let tokens = Tokens::parse(&text);
        anyhow::ensure!(!tokens.0.is_empty(), "token file `{}` holds no token", path.display());
        Ok(tokens)
    }

    pub fn parse(text: &str) -> Tokens {
        let digests = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|t| Sha256::digest(t.as_bytes()).into())
            .collect();
        Tokens(digests)
    }

    /// Whether an `Authorization` header value carries an accepted token.
    /// Every token is compared, in constant time, whatever matches.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some(token) = header.and_then(|h| h.strip_prefix(b"Bearer ")) else { return false };
        let digest: [u8; 32] = Sha256::digest(token).into();
        self.0.iter().fold(false, |found, known| found | same(known, &digest))
    }
}

/// Constant-time equality of two digests.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::Tokens;

    #[test]
    fn only_a_listed_bearer_token_is_accepted() {
        let tokens = Tokens::parse("# field app\nalpha-123\n\n  beta-456  \n");
        assert!(tokens.accepts(Some(b"Bearer alpha-123")));
        assert!(tokens.accepts(Some(b"Bearer beta-456")));
        assert!(!tokens.accepts(Some(b"Bearer alpha-12")));
        assert!(!tokens.accepts(Some(b"Bearer # field app")));
        assert!(!tokens.accepts(Some(b"alpha-123")));
        assert!(!tokens.accepts(Some(b"Basic alpha-123")));
        assert!(!tokens.accepts(None));
    }
}
