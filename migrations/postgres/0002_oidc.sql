-- OpenID Connect logins in progress: state, nonce and PKCE verifier, kept server-side for the
-- few minutes between leaving for the identity provider and coming back.
CREATE TABLE oidc_logins (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TEXT NOT NULL
);
