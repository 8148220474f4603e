//! Swedish full-text search over the records of the channels a person may see (REC-3, REC-6).

use kanalvakt_domain::{ChannelId, search};

use super::{Ctx, Result, Services};
use crate::storage::ItemRow;

impl Services {
    /// Items whose text or sender holds every word of the query (inflections included), in the
    /// channels the actor may see, newest first.
    pub async fn search(&self, ctx: &Ctx, query: &str, channel: Option<ChannelId>, limit: i64) -> Result<Vec<ItemRow>> {
        let terms = search::query_terms(query);
        let mut channels = self.visible_channel_ids(ctx).await?;
        if let Some(c) = channel {
            channels.retain(|v| *v == c);
        }
        Ok(self.store.search_items(&terms, &channels, limit).await?)
    }

    /// Put items stored before the index existed into it; returns how many. Safe to repeat.
    pub async fn index_missing(&self) -> Result<usize> {
        let mut done = 0;
        loop {
            let ids = self.store.unindexed_items(500).await?;
            if ids.is_empty() {
                return Ok(done);
            }
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
