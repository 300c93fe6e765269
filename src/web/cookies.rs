//! Cookie names and attributes. Behind https the sensitive cookies use the
//! `__Host-` prefix (which forces Secure, Path=/ and no Domain); over plain http
//! (local use, tests) they cannot, and go without Secure.

use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::secrets;

pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
}

pub fn names(https: bool) -> CookieNames {
    if https {
        CookieNames { session: "__Host-zerda_session", csrf: "__Host-zerda_csrf" }
    } else {
        CookieNames { session: "zerda_session", csrf: "zerda_csrf" }
    }
}

pub const FLASH: &str = "zerda_flash";
pub const LOCALE: &str = "zerda_locale";

/// A cookie with our standard attributes: HttpOnly, SameSite=Lax, Path=/.
pub fn build(name: &'static str, value: String, https: bool, max_age: Option<Duration>) -> Cookie<'static> {
    let mut cookie =
        Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(https).finish();
    if let Some(age) = max_age {
        cookie.set_max_age(age);
    }
    cookie
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str, https: bool) -> Cookie<'static> {
    build(name, String::new(), https, Some(Duration::ZERO))
}

/// `value.signature`, so that a cookie we read back is one we wrote.
pub fn sign(secret: &[u8], purpose: &str, value: &str) -> String {
    let mac = secrets::hmac_sha256(secret, format!("{purpose}|{value}").as_bytes());
    format!("{value}.{}", secrets::b64url(&mac))
}

pub fn verify<'a>(secret: &[u8], purpose: &str, signed: &'a str) -> Option<&'a str> {
    let (value, signature) = signed.rsplit_once('.')?;
    let expected = secrets::hmac_sha256(secret, format!("{purpose}|{value}").as_bytes());
    let given = secrets::from_b64url(signature)?;
    secrets::constant_time_eq(&expected, &given).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_values_round_trip_and_resist_tampering() {
        let signed = sign(b"k", "flash", "info:hello");
        assert_eq!(verify(b"k", "flash", &signed), Some("info:hello"));
        assert_eq!(verify(b"other", "flash", &signed), None);
        assert_eq!(verify(b"k", "session", &signed), None);
        assert_eq!(verify(b"k", "flash", &signed.replace("hello", "hellp")), None);
        assert_eq!(verify(b"k", "flash", "no-signature"), None);
    }
}
