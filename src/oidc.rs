//! OpenID Connect login (Entra ID, Keycloak and other providers): the authorization-code flow
//! with PKCE, state and nonce, and verification of the ID token's RS256 signature against the
//! provider's published keys. Hand-written on reqwest and ring to keep the dependency tree
//! small; only what a staff login needs.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

/// How the municipality's identity provider is reached.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` or
    /// `https://keycloak.example.se/realms/kommun`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Which claim holds the e-mail address that identifies the person in Kanalvakt.
    #[serde(default = "default_claim")]
    pub claim: String,
    /// The text on the login button.
    #[serde(default = "default_label")]
    pub label: String,
}

fn default_claim() -> String {
    "email".into()
}

fn default_label() -> String {
    "kommunens inloggning".into()
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or answered badly: {0}")]
    Provider(String),
    #[error("the identity provider's answer could not be trusted: {0}")]
    Token(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The verified claims Kanalvakt uses.
#[derive(Debug, Clone)]
pub struct IdClaims {
    pub subject: String,
    /// The value of the configured claim (lower-cased e-mail).
    pub login: String,
}

pub struct OidcClient {
    pub config: OidcConfig,
    pub redirect_url: String,
    http: reqwest::Client,
    cache: RwLock<Option<(Discovery, Jwks)>>,
}

/// PKCE S256 challenge for a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn provider(e: impl std::fmt::Display) -> OidcError {
    OidcError::Provider(e.to_string())
}

impl OidcClient {
    pub fn new(config: OidcConfig, redirect_url: String) -> Result<Self, OidcError> {
        crate::app::init_tls();
        // No redirects: a provider answer that redirects elsewhere is not followed (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(provider)?;
        Ok(OidcClient { config, redirect_url, http, cache: RwLock::new(None) })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let res = self.http.get(url).send().await.map_err(provider)?;
        if !res.status().is_success() {
            return Err(provider(format!("{url} answered {}", res.status())));
        }
        res.json().await.map_err(|e| provider(format!("{url}: {e}")))
    }

    async fn load(&self, refresh: bool) -> Result<(Discovery, Jwks), OidcError> {
        if !refresh && let Some(c) = self.cache.read().await.clone() {
            return Ok(c);
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer.trim_end_matches('/') != self.config.issuer.trim_end_matches('/') {
            return Err(provider(format!(
                "the discovery document names issuer {} instead of {}",
                d.issuer, self.config.issuer
            )));
        }
        let jwks: Jwks = self.get_json(&d.jwks_uri).await?;
        *self.cache.write().await = Some((d.clone(), jwks.clone()));
        Ok((d, jwks))
    }

    /// Where to send the browser to log in.
    pub async fn authorize_url(&self, state: &str, nonce: &str, verifier: &str) -> Result<String, OidcError> {
        let (d, _) = self.load(false).await?;
        let mut u = url::Url::parse(&d.authorization_endpoint).map_err(provider)?;
        u.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.redirect_url)
            .append_pair("scope", "openid email profile")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(u.to_string())
    }

    /// Exchange the code for tokens and verify the ID token.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<IdClaims, OidcError> {
        let (d, jwks) = self.load(false).await?;
        let res = self
            .http
            .post(&d.token_endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.redirect_url),
                ("code_verifier", verifier),
                ("client_id", &self.config.client_id),
            ])
            .send()
            .await
            .map_err(provider)?;
        let status = res.status();
        let body: serde_json::Value = res.json().await.map_err(provider)?;
        if !status.is_success() {
            return Err(provider(format!("the token endpoint answered {status}: {body}")));
        }
        let id_token =
            body["id_token"].as_str().ok_or_else(|| OidcError::Token("no id_token in the token response".into()))?;
        let expected = Expected { issuer: &d.issuer, client_id: &self.config.client_id, nonce, now };
        let claims = match verify_id_token(id_token, &jwks, &expected) {
            // The provider may have rotated its keys since we fetched them.
            Err(OidcError::Token(m)) if m.starts_with("unknown key") => {
                let (_, fresh) = self.load(true).await?;
                verify_id_token(id_token, &fresh, &expected)?
            }
            other => other?,
        };
        let login = claims[&self.config.claim]
            .as_str()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| OidcError::Token(format!("the ID token has no {:?} claim", self.config.claim)))?;
        let subject = claims["sub"].as_str().unwrap_or_default().to_string();
        Ok(IdClaims { subject, login })
    }
}

struct Expected<'a> {
    issuer: &'a str,
    client_id: &'a str,
    nonce: &'a str,
    now: DateTime<Utc>,
}

fn token_err(m: impl Into<String>) -> OidcError {
    OidcError::Token(m.into())
}

/// Verify an RS256-signed ID token: signature by one of the provider's keys, issuer, audience,
/// expiry (60 s leeway) and nonce.
fn verify_id_token(token: &str, jwks: &Jwks, exp: &Expected<'_>) -> Result<serde_json::Value, OidcError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h64, p64, s64] = parts.as_slice() else { return Err(token_err("not a JWT")) };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).map_err(|_| token_err("bad base64 in the JWT"));
    let header: serde_json::Value = serde_json::from_slice(&decode(h64)?).map_err(|_| token_err("bad JWT header"))?;
    if header["alg"] != "RS256" {
        return Err(token_err(format!("unsupported signature algorithm {}", header["alg"])));
    }
    let kid = header["kid"].as_str();
    let key = jwks
        .keys
        .iter()
        .find(|k| k.kty == "RSA" && (kid.is_none() || k.kid.as_deref() == kid))
        .ok_or_else(|| token_err(format!("unknown key {kid:?}")))?;
    let (Some(n), Some(e)) = (&key.n, &key.e) else { return Err(token_err("the key has no RSA modulus")) };
    let public = ring::signature::RsaPublicKeyComponents { n: decode(n)?, e: decode(e)? };
    let signed = format!("{h64}.{p64}");
    public
        .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &decode(s64)?)
        .map_err(|_| token_err("the signature does not match the provider's key"))?;
    let claims: serde_json::Value = serde_json::from_slice(&decode(p64)?).map_err(|_| token_err("bad JWT payload"))?;
    if claims["iss"].as_str() != Some(exp.issuer) {
        return Err(token_err("issued by someone else"));
    }
    let aud_ok = match &claims["aud"] {
        serde_json::Value::String(a) => a == exp.client_id,
        serde_json::Value::Array(a) => a.iter().any(|x| x == exp.client_id),
        _ => false,
    };
    if !aud_ok {
        return Err(token_err("issued for another client"));
    }
    let expiry = claims["exp"].as_i64().ok_or_else(|| token_err("no expiry"))?;
    if expiry + 60 < exp.now.timestamp() {
        return Err(token_err("expired"));
    }
    if claims["nonce"].as_str() != Some(exp.nonce) {
        return Err(token_err("the nonce does not match this login"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // RFC 7515 appendix A.2: an RS256 JWS and its key. We check the signature machinery with it
    // (its claims are not an ID token, so the claim checks are expected to refuse it).
    const RFC_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    const RFC_E: &str = "AQAB";
    const RFC_JWS: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

    fn rfc_jwks() -> Jwks {
        Jwks { keys: vec![Jwk { kty: "RSA".into(), kid: None, n: Some(RFC_N.into()), e: Some(RFC_E.into()) }] }
    }

    fn expected(now: DateTime<Utc>) -> Expected<'static> {
        Expected { issuer: "joe", client_id: "kanalvakt", nonce: "n", now }
    }

    #[test]
    fn rs256_signature_is_checked() {
        let now = Utc.timestamp_opt(1_300_000_000, 0).unwrap();
        // A valid signature gets past the signature check and is refused on the audience.
        let err = verify_id_token(RFC_JWS, &rfc_jwks(), &expected(now)).unwrap_err().to_string();
        assert!(err.contains("another client"), "{err}");
        // One changed byte in the payload breaks the signature.
        let mut parts: Vec<String> = RFC_JWS.split('.').map(String::from).collect();
        parts[1] = parts[1].replacen('J', "K", 1);
        let err = verify_id_token(&parts.join("."), &rfc_jwks(), &expected(now)).unwrap_err().to_string();
        assert!(err.contains("signature does not match"), "{err}");
        let err = verify_id_token("a.b", &rfc_jwks(), &expected(now)).unwrap_err().to_string();
        assert!(err.contains("not a JWT"));
    }

    #[test]
    fn pkce_matches_rfc_7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
