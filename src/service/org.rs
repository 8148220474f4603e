//! People, units, roles, party links and API tokens.

use kanalvakt_domain::{
    PersonId, UnitId, authz,
    org::{RoleGrant, UnitKind},
};
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::{
    crypto,
    storage::{NewPerson, PartyLink},
};

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub person: NewPerson,
    pub password: Option<String>,
    pub grants: Vec<RoleGrant>,
}

impl Services {
    /// A context for the command line and for system jobs: no person, full trust of the
    /// operator who runs the binary on the server.
    pub fn system_ctx(source: &str) -> Ctx {
        Ctx {
            actor: authz::Actor { person: 0, unit: None, grants: Vec::new() },
            name: format!("({source})"),
            source: source.to_string(),
        }
    }

    pub async fn add_unit(&self, ctx: &Ctx, kind: UnitKind, name: &str, is_communications: bool) -> Result<UnitId> {
        self.require_org_admin(ctx)?;
        if name.trim().is_empty() {
            return Err(invalid("name", "REG-1", "Ge enheten ett namn.", "Give the unit a name."));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self.store.insert_unit(tx.conn(), kind, name.trim(), is_communications, now).await?;
        let e = ctx
            .audit("unit.create", "unit", id, None)
            .after(json!({ "kind": kind, "name": name.trim(), "is_communications": is_communications }));
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_unit_head(&self, ctx: &Ctx, unit: UnitId, head: PersonId) -> Result<()> {
        self.require_org_admin(ctx)?;
        self.store.unit(unit).await?;
        self.store.person(head).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_unit_head(tx.conn(), unit, Some(head)).await?;
        let e = ctx.audit("unit.set_head", "unit", unit, None).after(json!({ "head_person_id": head }));
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        Ok(())
    }

    fn require_org_admin(&self, ctx: &Ctx) -> Result<()> {
        if ctx.actor.person == 0 || authz::can_manage_organisation(&ctx.actor) {
            Ok(())
        } else {
            Err(forbidden(
                "Bara systemadministratören hanterar organisation och användare.",
                "Only the system administrator manages the organisation and users.",
            ))
        }
    }

    /// Create a person (with a login if a user name and password are given) and their roles.
    pub async fn add_user(&self, ctx: &Ctx, u: NewUser) -> Result<PersonId> {
        self.require_org_admin(ctx)?;
        let mut p = u.person;
        if p.name.trim().is_empty() {
            return Err(invalid("name", "ROLE-1", "Fyll i personens namn.", "Fill in the person's name."));
        }
        if !p.email.contains('@') {
            return Err(invalid(
                "email",
                "REG-1",
                "Fyll i en e-postadress, t.ex. fornamn.efternamn@sjovik.se.",
                "Fill in an e-mail address, e.g. firstname.lastname@sjovik.se.",
            ));
        }
        if let Some(pw) = &u.password {
            crypto::check_password_strength(pw).map_err(|m| invalid("password", "ROLE-1", m, m))?;
            let pw = pw.clone();
            let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))??;
            p.password_hash = Some(hash);
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self.store.insert_person(tx.conn(), &p, now).await?;
        for g in &u.grants {
            self.store.grant_role(tx.conn(), id, *g, now).await?;
        }
        let after = json!({ "name": p.name, "email": p.email, "unit_id": p.unit_id, "username": p.username, "roles": u.grants });
        let e = ctx.audit("person.create", "person", id, None).after(after);
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Set a new password and end the person's sessions.
    pub async fn set_password(&self, ctx: &Ctx, person: PersonId, password: &str) -> Result<()> {
        if ctx.actor.person != person {
            self.require_org_admin(ctx)?;
        }
        crypto::check_password_strength(password).map_err(|m| invalid("password", "ROLE-1", m, m))?;
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_password(tx.conn(), person, &hash).await?;
        let e = ctx.audit("person.password", "person", person, None).after(json!({ "password": "changed" }));
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        self.store.delete_sessions_of(person).await?;
        Ok(())
    }

    pub async fn add_party_link(&self, ctx: &Ctx, party: &str, title: &str, url: &str) -> Result<i64> {
        if !authz::can_manage_party_links(&ctx.actor) {
            return Err(forbidden(
                "Bara kommunikationsenheten hanterar partiernas länkar.",
                "Only the communications unit manages the parties' links.",
            ));
        }
        let mut findings = Vec::new();
        if party.trim().is_empty() {
            findings.push(kanalvakt_domain::validation::Finding::error(
                "party",
                "REG-8",
                "Fyll i partiets namn.",
                "Fill in the party's name.",
            ));
        }
        if !matches!(url::Url::parse(url.trim()).map(|u| u.scheme().to_string()).as_deref(), Ok("http" | "https")) {
            findings.push(kanalvakt_domain::validation::Finding::error(
                "url",
                "REG-8",
                "Ange bloggens fullständiga adress, som börjar med https://.",
                "Give the blog's full address, starting with https://.",
            ));
        }
        if !findings.is_empty() {
            return Err(ServiceError::Invalid(findings));
        }
        let title = if title.trim().is_empty() { party.trim() } else { title.trim() };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self.store.insert_party_link(tx.conn(), party.trim(), title, url.trim(), now).await?;
        self.store
            .audit(
                &mut tx,
                ctx.audit("party_link.add", "party_link", id, None)
                    .after(json!({ "party": party.trim(), "title": title, "url": url.trim() })),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_party_link(&self, ctx: &Ctx, id: i64) -> Result<()> {
        if !authz::can_manage_party_links(&ctx.actor) {
            return Err(forbidden(
                "Bara kommunikationsenheten hanterar partiernas länkar.",
                "Only the communications unit manages the parties' links.",
            ));
        }
        let before: Option<PartyLink> = self.store.party_links().await?.into_iter().find(|l| l.id == id);
        let Some(before) = before else { return Err(ServiceError::NotFound) };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.delete_party_link(tx.conn(), id).await?;
        let e = ctx.audit("party_link.delete", "party_link", id, None).before(json!(before));
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Include or leave out a channel from the public aggregated feed (PUB-2).
    pub async fn set_in_public_feed(&self, ctx: &Ctx, channel: i64, included: bool) -> Result<()> {
        if !authz::can_curate_public_feed(&ctx.actor) {
            return Err(forbidden(
                "Bara kommunikationsenheten bestämmer vilka kanaler som visas i det samlade flödet.",
                "Only the communications unit decides which channels the collected feed shows.",
            ));
        }
        let before = self.store.channel(channel).await?.in_public_feed;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_in_public_feed(tx.conn(), channel, included).await?;
        let e = ctx
            .audit("channel.public_feed", "channel", channel, Some(channel))
            .before(json!({ "in_public_feed": before }))
            .after(json!({ "in_public_feed": included }));
        self.store.audit(&mut tx, e, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create a personal API token; the clear token is returned once and never stored.
    pub async fn create_api_token(&self, ctx: &Ctx, name: &str) -> Result<String> {
        if name.trim().is_empty() {
            return Err(invalid(
                "name",
                "ROLE-1",
                "Ge nyckeln ett namn, t.ex. vad skriptet gör.",
                "Name the token, e.g. after what the script does.",
            ));
        }
        let token = format!("kv_{}", crypto::random_token()?);
        let now = self.now();
        let id = self.store.insert_api_token(ctx.actor.person, name.trim(), &crypto::token_hash(&token), now).await?;
        let mut tx = self.store.begin().await?;
        self.store
            .audit(
                &mut tx,
                ctx.audit("api_token.create", "api_token", id, None).after(json!({ "name": name.trim() })),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn revoke_api_token(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let now = self.now();
        if !self.store.revoke_api_token(ctx.actor.person, id, now).await? {
            return Err(ServiceError::NotFound);
        }
        let mut tx = self.store.begin().await?;
        self.store
            .audit(&mut tx, ctx.audit("api_token.revoke", "api_token", id, None).after(json!({ "revoked": true })), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
