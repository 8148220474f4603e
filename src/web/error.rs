//! Errors at the HTTP edge: a page for people, JSON for scripts. Every message says what is
//! wrong and what to do, in Swedish and English.

use askama::Template;
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use kanalvakt_domain::{i18n::Text, validation::Finding};
use serde_json::json;

use super::page::render;
use crate::service::ServiceError;

/// An error shown as an HTML page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: Text,
    pub findings: Vec<Finding>,
}

impl PageError {
    pub fn new(status: StatusCode, sv: impl Into<String>, en: impl Into<String>) -> Self {
        PageError { status, message: Text::new(sv, en), findings: Vec::new() }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Sidan eller kanalen finns inte, eller så har du inte behörighet att se den.",
            "The page or channel does not exist, or you may not see it.",
        )
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Något gick fel hos oss. Försök igen om en stund; kvarstår felet, kontakta systemförvaltningen.",
            "Something went wrong on our side. Try again shortly; if it persists, contact the system administrators.",
        )
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => PageError::not_found(),
            ServiceError::Forbidden(t) => PageError { status: StatusCode::FORBIDDEN, message: t, findings: Vec::new() },
            ServiceError::Conflict(t) => PageError { status: StatusCode::CONFLICT, message: t, findings: Vec::new() },
            ServiceError::Invalid(findings) => PageError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: Text::new("Uppgifterna behöver rättas.", "The details need correcting."),
                findings,
            },
            ServiceError::Internal(m) => PageError::internal(m),
        }
    }
}

impl From<crate::storage::StoreError> for PageError {
    fn from(e: crate::storage::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    e: &'a PageError,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        render(self.status, &ErrorPage { status: self.status.as_u16(), e: &self })
    }
}

/// An error answered as JSON: `{"error": code, "message": {"sv","en"}, "findings": [...]}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Text,
    pub findings: Vec<Finding>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, sv: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError { status, code, message: Text::new(sv, en), findings: Vec::new() }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Ange en personlig API-nyckel: Authorization: Bearer kv_…  (skapas under ”API-nycklar”).",
            "Send a personal API token: Authorization: Bearer kv_…  (created under “API tokens”).",
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let p = PageError::from(e);
        let code = match p.status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::CONFLICT => "conflict",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            _ => "internal",
        };
        ApiError { status: p.status, code, message: p.message, findings: p.findings }
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.code, "message": self.message, "findings": self.findings })))
            .into_response()
    }
}
