//! Secrets: password hashing (Argon2id), random tokens, and the AEAD that seals platform
//! credentials (REG-6). The credential key comes from a key file or the environment and never
//! from the database, so a copy of the database alone reveals no credential.

use std::path::Path;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use kanalvakt_domain::audit::hex;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(
        "the credentials key is not valid: {0}. It must be 64 hexadecimal characters (32 bytes); \
         create one with `kanalvakt key generate` or `openssl rand -hex 32`"
    )]
    BadKey(String),
    #[error("could not read or write the credentials key file {path}: {err}")]
    KeyFile { path: String, err: String },
    #[error(
        "a stored credential could not be decrypted: it was sealed with another key (key id {0}) \
         or the database row was altered"
    )]
    Open(String),
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(b)
}

/// A random token for cookies, CSRF and API tokens: 32 bytes, hex.
pub fn random_token() -> Result<String, CryptoError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// What is stored of a bearer token: its SHA-256, so a database leak does not leak sessions.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Argon2id with the crate's defaults (19 MiB, t=2), as OWASP recommends. Slow on purpose:
/// call from `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A password a person may choose: long enough to resist guessing.
pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 12 {
        return Err("Lösenordet måste vara minst 12 tecken. / The password must be at least 12 characters.");
    }
    Ok(())
}

/// The key that seals credentials.
#[derive(Clone)]
pub struct CredentialKey {
    key: [u8; 32],
    /// First 8 hex digits of the key's SHA-256: tells which key sealed a value without revealing it.
    id: String,
}

impl std::fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CredentialKey({})", self.id)
    }
}

impl CredentialKey {
    pub fn from_hex(s: &str) -> Result<Self, CryptoError> {
        let s = s.trim();
        if s.len() != 64 {
            return Err(CryptoError::BadKey(format!("it has {} characters", s.len())));
        }
        let mut key = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let pair = std::str::from_utf8(chunk).map_err(|_| CryptoError::BadKey("not text".into()))?;
            key[i] = u8::from_str_radix(pair, 16)
                .map_err(|_| CryptoError::BadKey(format!("{pair:?} is not hexadecimal")))?;
        }
        let id = hex(&Sha256::digest(key))[..8].to_string();
        Ok(CredentialKey { key, id })
    }

    pub fn generate() -> Result<Self, CryptoError> {
        Self::from_hex(&hex(&random_bytes::<32>()?))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.key)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Read the key file, creating it (readable by the owner only) if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        let err = |e: std::io::Error| CryptoError::KeyFile { path: path.display().to_string(), err: e.to_string() };
        match std::fs::read_to_string(path) {
            Ok(s) => Self::from_hex(&s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(err)?;
                }
                write_private(path, &format!("{}\n", key.to_hex())).map_err(err)?;
                Ok(key)
            }
            Err(e) => Err(err(e)),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }

    /// Seal a secret bound to its credential row (`aad`), so a ciphertext moved to another row
    /// does not open. Format: `v1:<key id>:<nonce hex>:<ciphertext hex>`.
    pub fn seal(&self, plaintext: &str, aad: &str) -> Result<String, CryptoError> {
        let nonce_bytes = random_bytes::<24>()?;
        let nonce = XNonce::from(nonce_bytes);
        let ct = self
            .cipher()
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() })
            .map_err(|_| CryptoError::Open(self.id.clone()))?;
        Ok(format!("v1:{}:{}:{}", self.id, hex(&nonce_bytes), hex(&ct)))
    }

    pub fn open(&self, sealed: &str, aad: &str) -> Result<String, CryptoError> {
        let parts: Vec<&str> = sealed.split(':').collect();
        let [version, key_id, nonce_hex, ct_hex] = parts.as_slice() else {
            return Err(CryptoError::Open("?".into()));
        };
        if *version != "v1" || *key_id != self.id {
            return Err(CryptoError::Open((*key_id).to_string()));
        }
        let bad = || CryptoError::Open((*key_id).to_string());
        let nonce_bytes: [u8; 24] = unhex(nonce_hex).ok_or_else(bad)?.try_into().map_err(|_| bad())?;
        let ct = unhex(ct_hex).ok_or_else(bad)?;
        let pt = self
            .cipher()
            .decrypt(&XNonce::from(nonce_bytes), Payload { msg: &ct, aad: aad.as_bytes() })
            .map_err(|_| bad())?;
        String::from_utf8(pt).map_err(|_| bad())
    }
}

/// The associated data binding a sealed credential to its row.
pub fn credential_aad(channel: i64, credential: i64) -> String {
    format!("kanalvakt/credential/{channel}/{credential}")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ REG-6
    #[test]
    fn sealed_credentials_open_only_with_their_key_and_row() {
        let k = CredentialKey::generate().unwrap();
        let sealed = k.seal("hemligt-lösenord", &credential_aad(1, 2)).unwrap();
        assert!(!sealed.contains("hemligt"));
        assert_eq!(k.open(&sealed, &credential_aad(1, 2)).unwrap(), "hemligt-lösenord");
        assert!(k.open(&sealed, &credential_aad(1, 3)).is_err(), "moved to another row");
        let other = CredentialKey::generate().unwrap();
        assert!(other.open(&sealed, &credential_aad(1, 2)).is_err(), "another key");
        let mut tampered = sealed.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        assert!(k.open(&tampered, &credential_aad(1, 2)).is_err(), "altered ciphertext");
    }

    #[test]
    fn key_hex_round_trips_and_bad_keys_say_why() {
        let k = CredentialKey::generate().unwrap();
        assert_eq!(CredentialKey::from_hex(&k.to_hex()).unwrap().id(), k.id());
        let e = CredentialKey::from_hex("abc").unwrap_err().to_string();
        assert!(e.contains("64 hexadecimal characters"), "{e}");
        assert!(CredentialKey::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("korrekt häst batteri").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("korrekt häst batteri", &h));
        assert!(!verify_password("fel", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn constant_time_compare() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
