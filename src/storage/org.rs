//! Units (förvaltningar, bolag), people and their roles.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    PersonId, UnitId,
    authz::Actor,
    org::{Role, RoleGrant, UnitKind},
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, b, ts};

#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub id: UnitId,
    pub kind: UnitKind,
    pub name: String,
    pub head_person_id: Option<PersonId>,
    pub is_communications: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub unit_id: Option<UnitId>,
    pub username: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub unit_id: Option<UnitId>,
    pub username: Option<String>,
    pub password_hash: Option<String>,
}

fn unit_from(r: &AnyRow) -> Result<UnitRow> {
    let kind: String = r.try_get("kind")?;
    Ok(UnitRow {
        id: r.try_get("id")?,
        kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unit kind {kind}")))?,
        name: r.try_get("name")?,
        head_person_id: r.try_get("head_person_id")?,
        is_communications: r.try_get::<i64, _>("is_communications")? != 0,
    })
}

fn person_from(r: &AnyRow) -> Result<PersonRow> {
    Ok(PersonRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        title: r.try_get("title")?,
        unit_id: r.try_get("unit_id")?,
        username: r.try_get("username")?,
        password_hash: r.try_get("password_hash")?,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

macro_rules! person_cols {
    () => {
        "p.id, p.name, p.email, p.phone, p.title, p.unit_id, p.username, p.password_hash, p.active"
    };
}

impl Store {
    pub async fn insert_unit(
        &self,
        conn: &mut AnyConnection,
        kind: UnitKind,
        name: &str,
        is_communications: bool,
        now: DateTime<Utc>,
    ) -> Result<UnitId> {
        sqlx::query_scalar(
            "INSERT INTO units (kind, name, is_communications, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(kind.code())
        .bind(name)
        .bind(b(is_communications))
        .bind(ts(now))
        .fetch_one(conn)
        .await
        .map_err(|e| StoreError::conflict_or(e, &format!("a unit named {name:?}")))
    }

    pub async fn set_unit_head(&self, conn: &mut AnyConnection, unit: UnitId, head: Option<PersonId>) -> Result<()> {
        sqlx::query("UPDATE units SET head_person_id = $1 WHERE id = $2").bind(head).bind(unit).execute(conn).await?;
        Ok(())
    }

    pub async fn units(&self) -> Result<Vec<UnitRow>> {
        let rows = sqlx::query("SELECT id, kind, name, head_person_id, is_communications FROM units ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(unit_from).collect()
    }

    pub async fn unit(&self, id: UnitId) -> Result<UnitRow> {
        let r = sqlx::query("SELECT id, kind, name, head_person_id, is_communications FROM units WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        unit_from(&r)
    }

    pub async fn insert_person(&self, conn: &mut AnyConnection, p: &NewPerson, now: DateTime<Utc>) -> Result<PersonId> {
        sqlx::query_scalar(
            "INSERT INTO people (name, email, phone, title, unit_id, username, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING id",
        )
        .bind(&p.name)
        .bind(p.email.trim().to_lowercase())
        .bind(&p.phone)
        .bind(&p.title)
        .bind(p.unit_id)
        .bind(p.username.as_deref())
        .bind(p.password_hash.as_deref())
        .bind(ts(now))
        .fetch_one(conn)
        .await
        .map_err(|e| {
            StoreError::conflict_or(e, &format!("a person with the e-mail address or user name of {}", p.name))
        })
    }

    pub async fn set_password(&self, conn: &mut AnyConnection, person: PersonId, hash: &str) -> Result<()> {
        let n = sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(person)
            .execute(conn)
            .await?
            .rows_affected();
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn people(&self) -> Result<Vec<PersonRow>> {
        let rows = sqlx::query(concat!("SELECT ", person_cols!(), " FROM people p ORDER BY p.name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(person_from).collect()
    }

    pub async fn person(&self, id: PersonId) -> Result<PersonRow> {
        let r = sqlx::query(concat!("SELECT ", person_cols!(), " FROM people p WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        person_from(&r)
    }

    pub async fn person_by_username(&self, username: &str) -> Result<Option<PersonRow>> {
        let r = sqlx::query(concat!("SELECT ", person_cols!(), " FROM people p WHERE p.username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(person_from).transpose()
    }

    /// The active person with this e-mail address (addresses are stored lower-cased).
    pub async fn person_by_email(&self, email: &str) -> Result<Option<PersonRow>> {
        let r = sqlx::query(concat!("SELECT ", person_cols!(), " FROM people p WHERE p.email = $1 AND p.active = 1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(person_from).transpose()
    }

    pub async fn grant_role(
        &self,
        conn: &mut AnyConnection,
        person: PersonId,
        g: RoleGrant,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO role_grants (person_id, role, unit_id, granted_at) VALUES ($1, $2, $3, $4)")
            .bind(person)
            .bind(g.role.code())
            .bind(g.unit)
            .bind(ts(now))
            .execute(conn)
            .await
            .map_err(|e| StoreError::conflict_or(e, "that role grant"))?;
        Ok(())
    }

    pub async fn grants(&self, person: PersonId) -> Result<Vec<RoleGrant>> {
        let rows = sqlx::query("SELECT role, unit_id FROM role_grants WHERE person_id = $1 ORDER BY role")
            .bind(person)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let code: String = r.try_get("role")?;
            let role = Role::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("role {code}")))?;
            out.push(RoleGrant { role, unit: r.try_get("unit_id")? });
        }
        Ok(out)
    }

    /// Everyone holding a role (for a unit-scoped role, for that unit).
    pub async fn people_with_role(&self, role: Role, unit: Option<UnitId>) -> Result<Vec<PersonRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            person_cols!(),
            " FROM people p WHERE p.active = 1 AND EXISTS (SELECT 1 FROM role_grants g \
             WHERE g.person_id = p.id AND g.role = $1 AND ($2 IS NULL OR g.unit_id = $2)) ORDER BY p.name"
        ))
        .bind(role.code())
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person_from).collect()
    }

    /// The actor with every role the register gives them. The recorded head of a unit is its
    /// chef whether or not a grant says so.
    pub async fn actor(&self, person: PersonId) -> Result<Actor> {
        let p = self.person(person).await?;
        let mut grants = self.grants(person).await?;
        let headed: Vec<UnitId> = sqlx::query_scalar("SELECT id FROM units WHERE head_person_id = $1")
            .bind(person)
            .fetch_all(&self.pool)
            .await?;
        for u in headed {
            let g = RoleGrant::for_unit(Role::Chef, u);
            if !grants.contains(&g) {
                grants.push(g);
            }
        }
        Ok(Actor { person, unit: p.unit_id, grants })
    }

    /// People of the communications unit (REG-5: the unit must have admin rights).
    pub async fn communications_people(&self) -> Result<Vec<PersonId>> {
        Ok(sqlx::query_scalar(
            "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.is_communications = 1 \
             UNION SELECT g.person_id FROM role_grants g WHERE g.role = 'kommunikator'",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
