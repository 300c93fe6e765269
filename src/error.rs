//! One error type for everything a request can fail with. Each variant has a
//! status and a message that is safe to show (a catalog key); the cause of an
//! internal error goes to the log only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Deleted: the URL answers 410 Gone for good.
    Gone,
    /// Only for people who are logged in: send them to the login page, then back.
    LoginRequired(String),
    Forbidden,
    /// A form without a valid `csrf_token`, or posted from another site.
    Csrf,
    /// Bad input that is not a form field (bad query, bad path); the text is a catalog key.
    BadRequest(&'static str),
    PayloadTooLarge,
    /// A compressed request body: browsers never send one, and decompressing
    /// untrusted input is how decompression bombs get in.
    CompressedBody,
    TooManyRequests {
        retry_after: u64,
    },
    /// The disk is full: nothing was saved.
    StorageFull,
    Unavailable,
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// Carried in the extensions of an error response so that the page layer can
/// render it in the visitor's language and layout.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message: &'static str,
}

impl AppError {
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        AppError::Internal(cause.to_string())
    }

    pub fn message(&self) -> &'static str {
        match self {
            AppError::NotFound => {
                msg!("The page you were looking for does not exist, or is not visible to you.")
            }
            AppError::Gone => msg!("This was deleted by its author."),
            AppError::LoginRequired(_) => msg!("Please log in to continue."),
            AppError::Forbidden => msg!("You are not allowed to do this."),
            AppError::Csrf => msg!(
                "This form has expired or was sent from another site. Go back, reload the page and try again."
            ),
            AppError::BadRequest(m) => m,
            AppError::PayloadTooLarge => msg!("What you sent is too large."),
            AppError::CompressedBody => msg!("Compressed requests are not accepted."),
            AppError::TooManyRequests { .. } => {
                msg!("Too many attempts. Please wait a little and try again.")
            }
            AppError::StorageFull => {
                msg!("The server's storage is full: nothing was saved. Please tell the administrator.")
            }
            AppError::Unavailable => msg!("The server is busy. Please try again in a moment."),
            AppError::Internal(_) => {
                msg!("Something went wrong on our side. It has been logged; please try again later.")
            }
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(cause) => write!(f, "internal error: {cause}"),
            other => f.write_str(other.message()),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::LoginRequired(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::CompressedBody => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::StorageFull | AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!("{cause}");
        }
        let status = self.status_code();
        if let AppError::LoginRequired(next) = self {
            let target = format!(
                "{}?next={}",
                crate::urls::login(),
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return HttpResponse::SeeOther().insert_header(("Location", target)).finish();
        }
        let mut response = HttpResponse::build(status);
        match self {
            AppError::TooManyRequests { retry_after } => {
                response.insert_header(("Retry-After", retry_after.to_string()));
            }
            AppError::Unavailable => {
                response.insert_header(("Retry-After", "30"));
            }
            _ => {}
        }
        let mut response = response.content_type("text/plain; charset=utf-8").body(self.message());
        response.extensions_mut().insert(ErrorPage { status, message: self.message() });
        response
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> AppError {
        if let rusqlite::Error::SqliteFailure(code, _) = &e
            && code.code == rusqlite::ErrorCode::DiskFull
        {
            tracing::error!("database write failed, disk full: {e}");
            return AppError::StorageFull;
        }
        AppError::Internal(format!("database: {e}"))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> AppError {
        AppError::Internal(format!("database pool: {e}"))
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> AppError {
        if e.raw_os_error() == Some(28) {
            tracing::error!("write failed, disk full: {e}");
            return AppError::StorageFull;
        }
        AppError::Internal(format!("i/o: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(format!("blocking task: {e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::Internal(format!("json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_cause() {
        let response = AppError::internal("password=hunter2 in /etc/secret").error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let page = response.extensions().get::<ErrorPage>().copied().expect("marked for the error page");
        assert!(!page.message.contains("hunter2"));
    }

    #[test]
    fn a_full_disk_is_reported_as_such() {
        let full =
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        assert!(matches!(AppError::from(full), AppError::StorageFull));
        assert_eq!(AppError::StorageFull.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let enospc = std::io::Error::from_raw_os_error(28);
        assert!(matches!(AppError::from(enospc), AppError::StorageFull));
    }

    #[test]
    fn rate_limited_responses_say_when_to_come_back() {
        let response = AppError::TooManyRequests { retry_after: 42 }.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("42"));
    }
}
