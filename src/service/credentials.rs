//! The central credentials store (REG-6): platform logins and tokens, sealed at rest, revealed
//! only to those allowed, with a stated reason, and every reveal audited.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{ChannelId, authz};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::{crypto::credential_aad, storage::CredentialRow};

#[derive(Debug, Clone, Serialize)]
pub struct RevealedCredential {
    pub credential: CredentialRow,
    pub secret: String,
}

impl Services {
    async fn credential_access(&self, ctx: &Ctx, channel: ChannelId) -> Result<()> {
        let ch = self.store.channel(channel).await?;
        let people = self.store.channel_people(&ch).await?;
        if !authz::can_view_channel(&ctx.actor, &people) {
            return Err(ServiceError::NotFound);
        }
        if !authz::can_reveal_credentials(&ctx.actor, &people) {
            return Err(forbidden(
                "Inloggningsuppgifter visas bara för kanalens administratörer, kommunikationsenheten och kommunchefen.",
                "Credentials are shown only to the channel's administrators, the communications unit and the chief executive.",
            ));
        }
        Ok(())
    }

    /// Metadata of the stored credentials (never the secrets).
    pub async fn credentials(&self, ctx: &Ctx, channel: ChannelId) -> Result<Vec<CredentialRow>> {
        self.credential_access(ctx, channel).await?;
        Ok(self.store.credentials_of(channel).await?)
    }

    pub async fn add_credential(
        &self,
        ctx: &Ctx,
        channel: ChannelId,
        label: &str,
        login: &str,
        secret: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<i64> {
        self.credential_access(ctx, channel).await?;
        if label.trim().is_empty() {
            return Err(invalid(
                "label",
                "REG-6",
                "Ge uppgiften en benämning, t.ex. ”Lösenord” eller ”Sidtoken”.",
                "Give the credential a label, e.g. “Password” or “Page token”.",
            ));
        }
        if secret.is_empty() {
            return Err(invalid(
                "secret",
                "REG-6",
                "Fyll i lösenordet eller token som ska sparas.",
                "Fill in the password or token to store.",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self
            .store
            .insert_credential_placeholder(
                tx.conn(),
                channel,
                label.trim(),
                login.trim(),
                expires_at,
                ctx.actor.person,
                now,
            )
            .await?;
        let sealed = self.key.seal(secret, &credential_aad(channel, id))?;
        self.store.set_credential_secret(tx.conn(), id, &sealed, now).await?;
        let after =
            json!({ "label": label.trim(), "login": login.trim(), "expires_at": expires_at, "key_id": self.key.id() });
        let entry = ctx.audit("credential.add", "credential", id, Some(channel)).after(after);
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Decrypt a credential for a person allowed to see it, who says why. The reveal is audited
    /// before the secret is returned: if the audit entry cannot be written, nothing is shown.
    pub async fn reveal_credential(&self, ctx: &Ctx, credential: i64, reason: &str) -> Result<RevealedCredential> {
        let cred = self.store.credential(credential).await?;
        self.credential_access(ctx, cred.channel_id).await?;
        if reason.trim().chars().count() < 5 {
            return Err(invalid(
                "reason",
                "REG-6",
                "Skriv varför du behöver se uppgiften (minst fem tecken).",
                "Say why you need to see the credential (at least five characters).",
            ));
        }
        let secret = self.key.open(&cred.secret, &credential_aad(cred.channel_id, cred.id))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let after = json!({ "label": cred.label, "reason": reason.trim() });
        let entry = ctx.audit("credential.reveal", "credential", cred.id, Some(cred.channel_id)).after(after);
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(RevealedCredential { credential: cred, secret })
    }
}

impl Services {
    /// A credential for a connector acting on the platform (not a person): the newest credential
    /// of the channel whose label contains `label_contains` (case-insensitive). Not audited as a
    /// reveal, since no person sees it; connector calls are logged by the scheduler instead.
    pub async fn connector_secret(&self, channel: ChannelId, label_contains: &str) -> Result<Option<String>> {
        let needle = label_contains.to_lowercase();
        let mut creds = self.store.credentials_of(channel).await?;
        creds.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        match creds.into_iter().find(|c| c.label.to_lowercase().contains(&needle)) {
            Some(c) => Ok(Some(self.key.open(&c.secret, &credential_aad(c.channel_id, c.id))?)),
            None => Ok(None),
        }
    }
}
