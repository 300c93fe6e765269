//! HTTP Signatures as the fediverse uses them: draft-cavage-http-signatures-12
//! with RSASSA-PKCS1-v1_5 over SHA-256 (`rsa-sha256`, or `hs2019` with an RSA
//! key), the scheme Mastodon, Mobilizon and GoToSocial all speak.
//!
//! Pure functions, no I/O: the caller reads the request, fetches the key and
//! sends outgoing requests.
//!
//! - Outgoing: [`signed_headers`] gives `Host`, `Date`, `Digest` (when there is
//!   a body) and `Signature` for a request; [`sign`] / [`sign_covering`] sign
//!   a request whose headers the caller already has.
//! - Incoming: [`parse_signature`] reads the `Signature` header, then
//!   [`verify_request`] applies SECURITY.md 1.2 steps 1–6.
//!
//! What stays with the caller (SECURITY.md 1.2 steps 7–9): fetching the key
//! named by `keyId` ([`key_owner_candidate`] says which actor document to ask
//! for), checking `publicKey.id == keyId`, refetching once on failure, and
//! rule R2: **the fetched key's `owner` must equal `activity.actor`**, exactly.
//! A valid signature only proves who signed, not that the signer is the actor
//! the activity speaks for.

use std::fmt;
use std::ops::RangeInclusive;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::{DecodeRsaPrivateKey, RsaPublicKeyRef};
use rsa::pkcs8::{DecodePrivateKey, SubjectPublicKeyInfoRef};
use rsa::{PrivateKey, PublicKey};
use sha2::{Digest as _, Sha256};

/// Smallest RSA modulus we accept from a remote key, in bits.
pub const MIN_KEY_BITS: usize = 2048;
/// Largest RSA modulus we accept from a remote key, in bits (bounds the CPU a
/// verification costs).
pub const MAX_KEY_BITS: usize = 4096;

/// How far a signature's time may lie in the future, and how long after its
/// expiry it is still accepted (Mastodon's `CLOCK_SKEW_MARGIN`).
const CLOCK_SKEW_SECS: i64 = 3600;
/// Validity of a signature that states no (covered) expiry.
const DEFAULT_VALIDITY_SECS: i64 = 5 * 60;
/// Upper bound on any stated validity (Mastodon's `EXPIRATION_WINDOW_LIMIT`).
const MAX_VALIDITY_SECS: i64 = 12 * 3600;
/// Longer `Signature` headers are refused before parsing. A 4096-bit
/// signature is 684 base64 characters; real headers stay under 1 KiB.
const MAX_HEADER_LEN: usize = 8 * 1024;
/// More parameters than this in one header is not a real signature.
const MAX_PARAMS: usize = 16;

/// Why a signature was not made or not accepted. `Display` gives one line fit
/// for a log; values that came from the remote side are truncated and escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The `Signature` header does not parse (the reason says where).
    Malformed(&'static str),
    /// A required signature parameter (`keyId`, `signature`, or `created` /
    /// `expires` when their pseudo-header is covered) is absent.
    MissingParameter(&'static str),
    /// `algorithm` is not absent, `hs2019` or `rsa-sha256`, or is used with a
    /// pseudo-header the draft forbids for it.
    BadAlgorithm(String),
    /// A header listed in `headers=` is not in the request.
    MissingHeader(String),
    /// Policy requires this header or pseudo-header to be covered; it is not.
    NotCovered(&'static str),
    /// The `Date` header is not an HTTP date.
    BadDate,
    /// The signature is too old.
    Expired,
    /// The signature was made more than the allowed skew in the future.
    FromTheFuture,
    /// The `Digest` header is unusable (no `SHA-256=`, not base64, not 32 bytes).
    BadDigest(&'static str),
    /// The `Digest` header does not match the body.
    DigestMismatch,
    /// The body carries a `Content-Encoding`; we only accept identity bodies,
    /// so the digest is checked over exactly what was sent.
    ContentEncoded,
    /// The public key cannot be read (the reason says why).
    BadKey(&'static str),
    /// The RSA modulus has fewer than [`MIN_KEY_BITS`] bits.
    KeyTooSmall(usize),
    /// The RSA modulus has more than [`MAX_KEY_BITS`] bits.
    KeyTooLarge(usize),
    /// The signature does not verify with this key.
    BadSignature,
    /// Signing failed: our own private key or the request to sign is unusable.
    SigningFailed(&'static str),
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SignatureError::*;
        match self {
            Malformed(why) => write!(f, "malformed Signature header: {why}"),
            MissingParameter(name) => write!(f, "Signature header lacks the {name} parameter"),
            BadAlgorithm(what) => write!(f, "unsupported signature algorithm: {what}"),
            MissingHeader(name) => write!(f, "signed header \"{name}\" is missing from the request"),
            NotCovered(name) => write!(f, "the signature does not cover {name}"),
            BadDate => f.write_str("the Date header is not an HTTP date"),
            Expired => f.write_str("the signature has expired"),
            FromTheFuture => f.write_str("the signature is dated in the future"),
            BadDigest(why) => write!(f, "unusable Digest header: {why}"),
            DigestMismatch => f.write_str("the Digest header does not match the body"),
            ContentEncoded => f.write_str("content-encoded bodies are not accepted"),
            BadKey(why) => write!(f, "unusable public key: {why}"),
            KeyTooSmall(bits) => write!(f, "RSA key of {bits} bits is below {MIN_KEY_BITS}"),
            KeyTooLarge(bits) => write!(f, "RSA key of {bits} bits is above {MAX_KEY_BITS}"),
            BadSignature => f.write_str("the signature does not verify"),
            SigningFailed(why) => write!(f, "cannot sign: {why}"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// A remote-supplied string made safe for a log line: at most 64 characters,
/// control characters and quotes escaped.
fn for_log(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------
// Small pieces

/// `SHA-256=<base64 of sha256(body)>`, the `Digest` header value (RFC 3230).
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// A Unix time as an RFC 7231 IMF-fixdate, e.g. `Sun, 05 Jan 2014 21:31:40 GMT`.
pub fn http_date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Reads an IMF-fixdate (what every fediverse server sends), or failing that
/// an RFC 2822 date with a numeric zone. The obsolete RFC 850 and asctime
/// forms are not accepted.
fn parse_http_date(value: &str) -> Option<i64> {
    let value = value.trim();
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, "%a, %d %b %Y %H:%M:%S GMT") {
        return Some(t.and_utc().timestamp());
    }
    chrono::DateTime::parse_from_rfc2822(value).ok().map(|t| t.timestamp())
}

/// The actor URL a `keyId` most likely belongs to: the `keyId` without its
/// `#fragment` (Mastodon, Mobilizon: `<actor>#main-key`) and without a final
/// `/main-key` (GoToSocial) or `/publickey` path segment.
///
/// This is only where to look. The caller fetches the key, and then must
/// check that the key document's `owner` equals `activity.actor` exactly
/// (SECURITY.md rule R2) and that `keyId`, `owner` and the actor share a host;
/// nothing here vouches for that.
pub fn key_owner_candidate(key_id: &str) -> String {
    let without_fragment = key_id.split('#').next().unwrap_or(key_id);
    for suffix in ["/main-key", "/publickey"] {
        if let Some(owner) = without_fragment.strip_suffix(suffix)
            && !owner.is_empty()
        {
            return owner.to_string();
        }
    }
    without_fragment.to_string()
}

/// All values of header `name` (case-insensitive), trimmed and joined with
/// `", "` as the draft says for repeated headers; `None` if absent.
fn header_value(headers: &[(&str, &str)], name: &str) -> Option<String> {
    let mut values =
        headers.iter().filter(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let first = values.next()?;
    let mut joined = first.to_string();
    for v in values {
        joined.push_str(", ");
        joined.push_str(v);
    }
    Some(joined)
}

fn bodyless(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// The string both sides sign: one `name: value` line per covered header, in
/// the order of `covered`, joined with `\n` (draft-cavage-12 section 2.3).
fn signing_string<S: AsRef<str>>(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    covered: &[S],
    created: Option<i64>,
    expires: Option<i64>,
) -> Result<String, SignatureError> {
    let mut out = String::new();
    for (i, name) in covered.iter().enumerate() {
        let name = name.as_ref().to_ascii_lowercase();
        if i > 0 {
            out.push('\n');
        }
        let value = match name.as_str() {
            "(request-target)" => format!("{} {target}", method.to_ascii_lowercase()),
            "(created)" => created.ok_or(SignatureError::MissingParameter("created"))?.to_string(),
            "(expires)" => expires.ok_or(SignatureError::MissingParameter("expires"))?.to_string(),
            _ => header_value(headers, &name).ok_or_else(|| SignatureError::MissingHeader(for_log(&name)))?,
        };
        out.push_str(&name);
        out.push_str(": ");
        out.push_str(&value);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Keys

/// Decodes a PEM block leniently (any line length, CRLF, surrounding blank
/// space): returns its label and DER bytes.
fn pem_decode(pem: &str) -> Result<(&str, Vec<u8>), SignatureError> {
    let rest = pem.trim().strip_prefix("-----BEGIN ").ok_or(SignatureError::BadKey("not PEM"))?;
    let (label, rest) = rest.split_once("-----").ok_or(SignatureError::BadKey("not PEM"))?;
    let end = format!("-----END {label}-----");
    let (body, after) = rest.split_once(end.as_str()).ok_or(SignatureError::BadKey("no PEM end line"))?;
    if !after.trim().is_empty() {
        return Err(SignatureError::BadKey("text after the PEM end line"));
    }
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = BASE64.decode(b64).map_err(|_| SignatureError::BadKey("PEM body is not base64"))?;
    Ok((label, der))
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let first = be.iter().position(|&b| b != 0);
    match first {
        None => 0,
        Some(i) => (be.len() - i - 1) * 8 + (8 - be[i].leading_zeros() as usize),
    }
}

/// Reads an RSA public key from SPKI (`BEGIN PUBLIC KEY`, Mastodon, GtS) or
/// PKCS#1 (`BEGIN RSA PUBLIC KEY`, Mobilizon) PEM, refusing a modulus whose
/// size lies outside `bits`. The size is checked before the key is built.
fn public_key_from_pem(pem: &str, bits: RangeInclusive<usize>) -> Result<PublicKey, SignatureError> {
    let (label, der) = pem_decode(pem)?;
    let pkcs1_der: &[u8] = match label {
        "PUBLIC KEY" => {
            let spki = SubjectPublicKeyInfoRef::try_from(der.as_slice())
                .map_err(|_| SignatureError::BadKey("not a SubjectPublicKeyInfo"))?;
            if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
                return Err(SignatureError::BadKey("not an RSA key"));
            }
            spki.subject_public_key.as_bytes().ok_or(SignatureError::BadKey("not an RSA key"))?
        }
        "RSA PUBLIC KEY" => &der,
        _ => return Err(SignatureError::BadKey("not a public key PEM")),
    };
    let parts = RsaPublicKeyRef::try_from(pkcs1_der).map_err(|_| SignatureError::BadKey("not an RSA key"))?;
    let size = bit_length(parts.modulus.as_bytes());
    if size < *bits.start() {
        return Err(SignatureError::KeyTooSmall(size));
    }
    if size > *bits.end() {
        return Err(SignatureError::KeyTooLarge(size));
    }
    PublicKey::try_from(parts).map_err(|_| SignatureError::BadKey("invalid RSA public key"))
}

/// Reads our own private key: PKCS#8 (`BEGIN PRIVATE KEY`, what `keys.rs`
/// writes) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
fn private_key_from_pem(pem: &str) -> Result<PrivateKey, SignatureError> {
    let pem = pem.trim();
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        PrivateKey::from_pkcs1_pem(pem)
            .map_err(|_| SignatureError::SigningFailed("unreadable PKCS#1 private key"))
    } else {
        PrivateKey::from_pkcs8_pem(pem)
            .map_err(|_| SignatureError::SigningFailed("unreadable PKCS#8 private key"))
    }
}

fn rsa_sha256_sign(key: &PrivateKey, message: &str) -> Result<Vec<u8>, SignatureError> {
    key.pkcs1v15_sign::<Sha256>(message.as_bytes())
        .map_err(|_| SignatureError::SigningFailed("RSA signing failed"))
}

fn rsa_sha256_verify(key: &PublicKey, message: &str, signature: &[u8]) -> bool {
    key.pkcs1v15_verify::<Sha256>(message.as_bytes(), signature).is_ok()
}

// ---------------------------------------------------------------------------
// Signing

/// A request about to be sent. Header names are matched case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct SignInput<'a> {
    pub method: &'a str,
    /// The path and query exactly as they will be sent, e.g. `/inbox?x=1`.
    pub path_and_query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
}

/// The headers [`sign`] covers: `(request-target) host date` for GET/HEAD;
/// for other methods also `digest`, and `content-length` when the request
/// has that header (Mobilizon signs it too).
pub fn default_covered_headers(method: &str, headers: &[(&str, &str)]) -> Vec<&'static str> {
    let mut covered = vec!["(request-target)", "host", "date"];
    if !bodyless(method) {
        covered.push("digest");
        if header_value(headers, "content-length").is_some() {
            covered.push("content-length");
        }
    }
    covered
}

/// The `Signature` header value for `req`, covering [`default_covered_headers`].
pub fn sign(req: &SignInput<'_>, key_id: &str, private_key_pem: &str) -> Result<String, SignatureError> {
    let covered = default_covered_headers(req.method, req.headers);
    sign_covering(req, &covered, key_id, private_key_pem)
}

/// The `Signature` header value for `req` covering exactly `covered`
/// (header names or `(request-target)`), in that order:
/// `keyId="…",algorithm="rsa-sha256",headers="…",signature="…"`.
/// Every covered header must be present in `req.headers`.
pub fn sign_covering(
    req: &SignInput<'_>,
    covered: &[&str],
    key_id: &str,
    private_key_pem: &str,
) -> Result<String, SignatureError> {
    if covered.is_empty() {
        return Err(SignatureError::SigningFailed("no header to cover"));
    }
    if covered
        .iter()
        .any(|n| n.is_empty() || n.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\'))
    {
        return Err(SignatureError::SigningFailed("bad covered header name"));
    }
    if key_id.contains(|c: char| c.is_control()) {
        return Err(SignatureError::SigningFailed("control character in keyId"));
    }
    let key = private_key_from_pem(private_key_pem)?;
    let text = signing_string(req.method, req.path_and_query, req.headers, covered, None, None)?;
    let signature = rsa_sha256_sign(&key, &text)?;
    let key_id = key_id.replace('\\', "\\\\").replace('"', "\\\"");
    Ok(format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        covered.join(" ").to_ascii_lowercase(),
        BASE64.encode(signature)
    ))
}

/// Everything to add to an outgoing request to `url`: `Host`, `Date` (from
/// `now`, Unix seconds), `Digest` when there is a body or the method is not
/// GET/HEAD, and `Signature` covering `(request-target) host date [digest]`.
/// Sign again at every retry: Mobilizon accepts ±12 h, Mastodon about an hour.
pub fn signed_headers(
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    private_key_pem: &str,
    now: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let host = url.host_str().ok_or(SignatureError::SigningFailed("URL without a host"))?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let mut path_and_query = url.path().to_string();
    if let Some(query) = url.query() {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }
    let mut headers = vec![("Host".to_string(), host), ("Date".to_string(), http_date(now))];
    let with_digest = body.is_some() || !bodyless(method);
    if with_digest {
        headers.push(("Digest".to_string(), digest_header(body.unwrap_or_default())));
    }
    let covered: &[&str] = if with_digest {
        &["(request-target)", "host", "date", "digest"]
    } else {
        &["(request-target)", "host", "date"]
    };
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let req = SignInput { method, path_and_query: &path_and_query, headers: &pairs };
    let signature = sign_covering(&req, covered, key_id, private_key_pem)?;
    headers.push(("Signature".to_string(), signature));
    Ok(headers)
}

// ---------------------------------------------------------------------------
// Parsing

/// The `algorithm` parameter values we accept. Both mean RSA-SHA256 here:
/// `hs2019` leaves the choice to the key, and our keys are RSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Hs2019,
    RsaSha256,
}

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    pub key_id: String,
    /// `None` when the parameter is absent.
    pub algorithm: Option<Algorithm>,
    /// Covered headers, lower-cased, in order; `["date"]` when `headers=` is
    /// absent (draft-cavage-12 section 2.1.6).
    pub headers: Vec<String>,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// Splits `name=value, name="quoted \"value\"", …` into pairs. Strict about
/// structure (no empty items, no trailing comma, no duplicates), lenient about
/// spaces and tabs around `=` and `,`.
fn parse_params(input: &str) -> Result<Vec<(&str, String)>, SignatureError> {
    use SignatureError::Malformed;
    let bytes = input.as_bytes();
    let mut params: Vec<(&str, String)> = Vec::new();
    let mut i = skip_spaces(bytes, 0);
    if i == bytes.len() {
        return Err(Malformed("empty header"));
    }
    loop {
        let start = i;
        while i < bytes.len() && is_tchar(bytes[i]) {
            i += 1;
        }
        if i == start {
            return Err(Malformed("expected a parameter name"));
        }
        let name = &input[start..i];
        i = skip_spaces(bytes, i);
        if bytes.get(i) != Some(&b'=') {
            return Err(Malformed("expected '=' after a parameter name"));
        }
        i = skip_spaces(bytes, i + 1);
        let value = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut value = Vec::new();
            loop {
                match bytes.get(i) {
                    None => return Err(Malformed("unterminated quoted string")),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let escaped = bytes.get(i + 1).ok_or(Malformed("unterminated quoted string"))?;
                        value.push(*escaped);
                        i += 2;
                    }
                    Some(&b) => {
                        value.push(b);
                        i += 1;
                    }
                }
            }
            String::from_utf8(value).map_err(|_| Malformed("invalid UTF-8 in a quoted string"))?
        } else {
            let start = i;
            while i < bytes.len() && is_tchar(bytes[i]) {
                i += 1;
            }
            if i == start {
                return Err(Malformed("empty parameter value"));
            }
            input[start..i].to_string()
        };
        if params.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(Malformed("duplicate parameter"));
        }
        if params.len() == MAX_PARAMS {
            return Err(Malformed("too many parameters"));
        }
        params.push((name, value));
        i = skip_spaces(bytes, i);
        match bytes.get(i) {
            None => return Ok(params),
            Some(b',') => i = skip_spaces(bytes, i + 1),
            Some(_) => return Err(Malformed("expected ',' between parameters")),
        }
        if i == bytes.len() {
            return Err(Malformed("trailing comma"));
        }
    }
}

fn parse_timestamp(value: &str) -> Result<i64, SignatureError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed("created/expires is not an integer"));
    }
    value.parse().map_err(|_| SignatureError::Malformed("created/expires is out of range"))
}

/// Parses a `Signature` header value (draft-cavage-12 section 4.1), also
/// accepting the `Signature ` scheme prefix some senders put in front (as the
/// `Authorization` header form would have it; Mastodon tolerates it too).
/// Parameter names are matched case-insensitively; unknown ones are ignored.
pub fn parse_signature(header: &str) -> Result<ParsedSignature, SignatureError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(SignatureError::Malformed("header too long"));
    }
    let mut rest = header.trim_matches([' ', '\t']);
    let b = rest.as_bytes();
    if b.len() > 9 && b[..9].eq_ignore_ascii_case(b"signature") && matches!(b[9], b' ' | b'\t') {
        let after = rest[10..].trim_start_matches([' ', '\t']);
        // `signature = "…"` is a parameter with spaces around '=', not the prefix.
        if !after.starts_with('=') {
            rest = after;
        }
    }
    let params = parse_params(rest)?;
    let get = |name: &str| params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());

    let key_id = get("keyId").filter(|v| !v.is_empty()).ok_or(SignatureError::MissingParameter("keyId"))?;
    let signature = get("signature").ok_or(SignatureError::MissingParameter("signature"))?;
    let signature =
        BASE64.decode(signature.trim()).map_err(|_| SignatureError::Malformed("signature is not base64"))?;
    if signature.is_empty() {
        return Err(SignatureError::Malformed("empty signature"));
    }
    let algorithm = match get("algorithm") {
        None => None,
        Some(a) if a.eq_ignore_ascii_case("hs2019") => Some(Algorithm::Hs2019),
        Some(a) if a.eq_ignore_ascii_case("rsa-sha256") => Some(Algorithm::RsaSha256),
        Some(a) => return Err(SignatureError::BadAlgorithm(for_log(a))),
    };
    let headers: Vec<String> = match get("headers") {
        None => vec!["date".to_string()],
        Some(list) => list.split_ascii_whitespace().map(str::to_ascii_lowercase).collect(),
    };
    if headers.is_empty() {
        return Err(SignatureError::Malformed("empty headers list"));
    }
    let created = get("created").map(parse_timestamp).transpose()?;
    let expires = get("expires").map(parse_timestamp).transpose()?;
    Ok(ParsedSignature { key_id: key_id.to_string(), algorithm, headers, signature, created, expires })
}

// ---------------------------------------------------------------------------
// Verification

/// An incoming request as the verifier needs it. Header names are matched
/// case-insensitively; `host` must be the `Host` header (or, over HTTP/2, the
/// `:authority`) the client sent.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    pub method: &'a str,
    /// The request path as received, still percent-encoded.
    pub path: &'a str,
    /// The query string as received, without `?`.
    pub query: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body as received, before any decompression.
    pub body: Option<&'a [u8]>,
}

/// Checks the `Digest` header value against `body`: every `SHA-256=` entry
/// (algorithm name compared case-insensitively, other algorithms ignored)
/// must be base64 for 32 bytes equal to SHA-256 of the body, and there must
/// be at least one.
fn check_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let expected = Sha256::digest(body);
    let mut found = false;
    for item in value.split(',') {
        let Some((algorithm, encoded)) = item.split_once('=') else {
            continue;
        };
        if !algorithm.trim().eq_ignore_ascii_case("SHA-256") {
            continue;
        }
        let decoded = BASE64
            .decode(encoded.trim())
            .map_err(|_| SignatureError::BadDigest("SHA-256 value is not base64"))?;
        if decoded.len() != 32 {
            return Err(SignatureError::BadDigest("SHA-256 value is not 32 bytes"));
        }
        if decoded.as_slice() != expected.as_slice() {
            return Err(SignatureError::DigestMismatch);
        }
        found = true;
    }
    if found { Ok(()) } else { Err(SignatureError::BadDigest("no SHA-256 value")) }
}

/// Verifies a signed request against `public_key_pem` at time `now` (Unix
/// seconds), following SECURITY.md 1.2 steps 1–6. Cheap checks run first;
/// the key is read and RSA is computed only for a request that passes them.
///
/// 1. `parsed` comes from [`parse_signature`] (keyId, signature, algorithm).
/// 2. `(created)`/`(expires)` may not be covered with `algorithm="rsa-sha256"`
///    (the draft forbids it); `hs2019` and a missing algorithm are RSA-SHA256.
/// 3. Covered headers must include `(request-target)`, `host`, and `date` or
///    `(created)`; `digest` too for a POST or for any request with a body.
/// 4. Time window (Mastodon's rule). `created` is the `created` parameter when
///    `(created)` is covered, else the `Date` header. `expires` is the
///    `expires` parameter when `(expires)` is covered, else `created + 5 min`;
///    it is capped at `created + 12 h`. Reject if `created > now + 1 h`
///    ([`SignatureError::FromTheFuture`]) or `now > expires + 1 h`
///    ([`SignatureError::Expired`]). For a `Date`-only signature that is:
///    accepted from 1 h 5 min in the past to 1 h in the future. An `expires`
///    parameter that is not covered is ignored: anyone could have raised it.
/// 5. Body (when the method is POST or a body is present): no
///    `Content-Encoding` other than `identity`; the `Digest` header must hold
///    a `SHA-256=` value equal to SHA-256 of the raw body (see `check_digest`).
///    A covered `Digest` is checked even on a bodyless request.
/// 6. Key: SPKI or PKCS#1 PEM, RSA modulus of 2048 to 4096 bits inclusive;
///    the signature is RSASSA-PKCS1-v1_5/SHA-256 over the signing string built
///    with the query string in `(request-target)`, and if that fails, without
///    it (what Mastodon and GoToSocial do for senders that sign the bare path).
///
/// The caller still has to bind the key to the activity: the key's `owner`
/// must be `activity.actor` (rule R2; see [`key_owner_candidate`]).
pub fn verify_request(
    req: &VerifyInput<'_>,
    parsed: &ParsedSignature,
    public_key_pem: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let covers = |name: &str| parsed.headers.iter().any(|h| h == name);

    if parsed.algorithm == Some(Algorithm::RsaSha256) && (covers("(created)") || covers("(expires)")) {
        return Err(SignatureError::BadAlgorithm("rsa-sha256 may not cover (created) or (expires)".into()));
    }

    if !covers("(request-target)") {
        return Err(SignatureError::NotCovered("(request-target)"));
    }
    if !covers("host") {
        return Err(SignatureError::NotCovered("host"));
    }
    if !covers("date") && !covers("(created)") {
        return Err(SignatureError::NotCovered("date"));
    }
    let has_body = req.method.eq_ignore_ascii_case("POST") || req.body.is_some_and(|b| !b.is_empty());
    if has_body && !covers("digest") {
        return Err(SignatureError::NotCovered("digest"));
    }

    let created = if covers("(created)") {
        parsed.created.ok_or(SignatureError::MissingParameter("created"))?
    } else {
        let date =
            header_value(req.headers, "date").ok_or_else(|| SignatureError::MissingHeader("date".into()))?;
        parse_http_date(&date).ok_or(SignatureError::BadDate)?
    };
    let expires = if covers("(expires)") {
        parsed.expires.ok_or(SignatureError::MissingParameter("expires"))?
    } else {
        created.saturating_add(DEFAULT_VALIDITY_SECS)
    };
    let expires = expires.min(created.saturating_add(MAX_VALIDITY_SECS));
    if created > now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(SignatureError::FromTheFuture);
    }
    if now > expires.saturating_add(CLOCK_SKEW_SECS) {
        return Err(SignatureError::Expired);
    }

    if has_body
        && let Some(encoding) = header_value(req.headers, "content-encoding")
        && !encoding.eq_ignore_ascii_case("identity")
    {
        return Err(SignatureError::ContentEncoded);
    }
    if has_body || covers("digest") {
        let digest = header_value(req.headers, "digest")
            .ok_or_else(|| SignatureError::MissingHeader("digest".into()))?;
        check_digest(&digest, req.body.unwrap_or_default())?;
    }

    let key = public_key_from_pem(public_key_pem, MIN_KEY_BITS..=MAX_KEY_BITS)?;

    let target = match req.query {
        Some(query) => format!("{}?{query}", req.path),
        None => req.path.to_string(),
    };
    let build = |target: &str| {
        signing_string(req.method, target, req.headers, &parsed.headers, parsed.created, parsed.expires)
    };
    if rsa_sha256_verify(&key, &build(&target)?, &parsed.signature) {
        return Ok(());
    }
    if req.query.is_some() && rsa_sha256_verify(&key, &build(req.path)?, &parsed.signature) {
        return Ok(());
    }
    Err(SignatureError::BadSignature)
}

#[cfg(test)]
#[path = "signatures_tests.rs"]
mod tests;
