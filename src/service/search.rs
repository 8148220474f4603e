//! Swedish full-text search over the records of the channels a person may see (REC-3, REC-6).

use kanalvakt_domain::{
    moderation::Category,
    search::{self, RecordState},
    validation::Finding,
};
use serde::Deserialize;

use super::{Ctx, Result, ServiceError, Services};
use crate::storage::{RecordHit, RecordQuery};

/// The records search as a person fills it in (query-string names, Swedish): kept as typed, so a
/// form with a mistake comes back with everything still in it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RecordFilter {
    /// Words (Swedish stemming).
    pub q: String,
    /// Channel id.
    pub kanal: String,
    /// Unit id (the channel's owner).
    pub enhet: String,
    /// Capture date from and to, Swedish dates (both days included).
    pub fran: String,
    pub till: String,
    /// A substring of the sender's name or platform id.
    pub avsandare: String,
    /// A moderation category code.
    pub kategori: String,
    /// `synlig`, `avpublicerad`, `raderad`.
    pub status: String,
    /// `inkommen`, `upprattad`.
    pub riktning: String,
    /// `ja`, `nej`.
    pub registrerad: String,
}

impl RecordFilter {
    /// Nothing asked for: the page shows the form only.
    pub fn is_empty(&self) -> bool {
        [
            &self.q,
            &self.kanal,
            &self.enhet,
            &self.fran,
            &self.till,
            &self.avsandare,
            &self.kategori,
            &self.status,
            &self.riktning,
            &self.registrerad,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }

    /// The filter as a query string (for links back to the same search).
    pub fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("kanal", &self.kanal),
            ("enhet", &self.enhet),
            ("fran", &self.fran),
            ("till", &self.till),
            ("avsandare", &self.avsandare),
            ("kategori", &self.kategori),
            ("status", &self.status),
            ("riktning", &self.riktning),
            ("registrerad", &self.registrerad),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }

    fn id(v: &str, field: &'static str, what_sv: &str, what_en: &str, f: &mut Vec<Finding>) -> Option<i64> {
        if v.trim().is_empty() {
            return None;
        }
        match v.trim().parse() {
            Ok(id) => Some(id),
            Err(_) => {
                f.push(Finding::error(
                    field,
                    "REC-3",
                    format!("Välj {what_sv} i listan."),
                    format!("Choose {what_en} from the list."),
                ));
                None
            }
        }
    }

    /// Read the filter into a storage query (without the channels); findings for what cannot
    /// be read, each in Swedish and English.
    pub fn parse(&self) -> std::result::Result<(RecordQuery, Option<i64>, Option<i64>), Vec<Finding>> {
        let mut f = Vec::new();
        let channel = Self::id(&self.kanal, "kanal", "en kanal", "a channel", &mut f);
        let unit = Self::id(&self.enhet, "enhet", "en förvaltning eller ett bolag", "a department or company", &mut f);
        let (from, to) = match search::date_range(&self.fran, &self.till) {
            Ok(r) => r,
            Err(errors) => {
                for (field, t) in errors {
                    f.push(Finding::error(if field == "from" { "fran" } else { "till" }, "REC-3", t.sv, t.en));
                }
                (None, None)
            }
        };
        let pick = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        let category = match pick(&self.kategori) {
            None => None,
            Some(c) => {
                let c = Category::parse(&c);
                if c.is_none() {
                    f.push(Finding::error(
                        "kategori",
                        "REC-3",
                        "Välj en kategori i listan.",
                        "Choose a category from the list.",
                    ));
                }
                c
            }
        };
        let states = match pick(&self.status) {
            None => Vec::new(),
            Some(s) => match RecordState::parse(&s) {
                Some(s) => s.platform_states(),
                None => {
                    f.push(Finding::error(
                        "status",
                        "REC-3",
                        "Välj en status i listan.",
                        "Choose a state from the list.",
                    ));
                    Vec::new()
                }
            },
        };
        let direction = match pick(&self.riktning) {
            None => None,
            Some(d) => {
                let d = search::parse_direction(&d);
                if d.is_none() {
                    f.push(Finding::error(
                        "riktning",
                        "REC-3",
                        "Välj inkommen eller upprättad.",
                        "Choose received or drawn up.",
                    ));
                }
                d
            }
        };
        let registered = match self.registrerad.trim() {
            "" => None,
            "ja" => Some(true),
            "nej" => Some(false),
            _ => {
                f.push(Finding::error("registrerad", "REC-3", "Välj ja eller nej.", "Choose yes or no."));
                None
            }
        };
        if self.avsandare.chars().count() > 200 {
            f.push(Finding::error(
                "avsandare",
                "REC-3",
                "Avsändaren: högst 200 tecken.",
                "Sender: at most 200 characters.",
            ));
        }
        if !f.is_empty() {
            return Err(f);
        }
        let q = RecordQuery {
            terms: search::query_terms(&self.q),
            channels: Vec::new(),
            from,
            to,
            author: self.avsandare.trim().to_string(),
            category,
            states,
            direction,
            registered,
        };
        Ok((q, channel, unit))
    }
}

impl Services {
    /// The records search (REC-3, REC-6): words and filters over every record of the channels
    /// the person may see, newest captured first. With no words it lists by the filters alone; a
    /// text of only punctuation finds nothing (rather than everything).
    pub async fn search_records(&self, ctx: &Ctx, filter: &RecordFilter, limit: i64) -> Result<Vec<RecordHit>> {
        let (mut q, channel, unit) = filter.parse().map_err(ServiceError::Invalid)?;
        if !filter.q.trim().is_empty() && q.terms.is_empty() {
            return Ok(Vec::new());
        }
        q.channels = self
            .visible_channels(&ctx.actor, &Default::default())
            .await?
            .into_iter()
            .filter(|c| channel.is_none_or(|id| c.id == id) && unit.is_none_or(|u| c.unit_id == u))
            .map(|c| c.id)
            .collect();
        Ok(self.store.search_records(&q, limit).await?)
    }

    /// Put items stored before the index existed into it; returns how many. Safe to repeat.
    pub async fn index_missing(&self) -> Result<usize> {
        let mut done = 0;
        let mut after = 0;
        loop {
            let ids = self.store.unindexed_items(after, 500).await?;
            let Some(last) = ids.last() else {
                return Ok(done);
            };
            after = *last;
            let mut tx = self.store.begin().await?;
            for id in &ids {
                let item = self.store.item(*id).await?;
                let terms = search::index_text(&format!("{} {}", item.author_name, item.text));
                self.store.index_item(tx.conn(), *id, &terms).await?;
            }
            tx.commit().await?;
            done += ids.len();
        }
    }
}
