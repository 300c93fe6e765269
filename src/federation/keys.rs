//! Actor key pairs: RSA-2048 (what Mobilizon and Mastodon use), private key
//! as PKCS#8 PEM, public key as SPKI PEM ("BEGIN PUBLIC KEY"), which every
//! fediverse server reads. Generating one takes a while on a Raspberry Pi,
//! so it runs in a background job, never in a request.

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::rand_core::{TryCryptoRng, TryRng};

pub const BITS: usize = 2048;

/// The operating system's random source, in the shape the rsa crate asks for.
struct OsRandom;

impl TryRng for OsRandom {
    type Error = getrandom::Error;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        getrandom::fill(dst)
    }
}

impl TryCryptoRng for OsRandom {}

pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

pub fn generate() -> Result<KeyPair, String> {
    let key = rsa::PrivateKey::new(&mut OsRandom, BITS).map_err(|e| format!("key generation: {e}"))?;
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| format!("private key encoding: {e}"))?;
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("public key encoding: {e}"))?;
    Ok(KeyPair { private_pem: private_pem.to_string(), public_pem })
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};

    #[test]
    fn generated_keys_are_2048_bit_pem_that_read_back() {
        let pair = super::generate().expect("generate");
        assert!(pair.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let private = rsa::PrivateKey::from_pkcs8_pem(&pair.private_pem).expect("private reads back");
        let public = rsa::PublicKey::from_public_key_pem(&pair.public_pem).expect("public reads back");
        assert_eq!(private.to_public_key(), public);
        assert_eq!(rsa::traits::PublicKeyParts::size(&public), 256);
    }
}
