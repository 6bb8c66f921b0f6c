//! Random secrets and their hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS-seeded CSPRNG, base64url without padding.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a high-entropy secret (session id, API token), hex. Such secrets need no slow
/// hash: 256 random bits cannot be guessed from their digest.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API token: `(token, prefix shown in listings, hash to store)`.
pub fn new_api_token() -> (String, String, String) {
    let token = format!("{}{}", flatline_types::TOKEN_PREFIX, random_secret(32));
    let prefix: String = token.chars().take(12).collect();
    let hash = hash_secret(&token);
    (token, prefix, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_stored_only_as_hashes() {
        let (a, prefix, hash) = new_api_token();
        let (b, _, _) = new_api_token();
        assert!(a.starts_with("flt_") && a.len() == 4 + 43, "{a}");
        assert_ne!(a, b);
        assert!(a.starts_with(&prefix) && prefix.len() == 12);
        assert_eq!(hash, hash_secret(&a));
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&a[4..]));
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
