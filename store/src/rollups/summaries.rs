//! Every monitor's windows at once, for the headline numbers of `GET /monitors` and the live
//! stream: four queries for all monitors (this hour's and today's rollups, incidents,
//! pauses), plus per monitor only the closed-bucket reads its cache entry lacks.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use super::windows::{assemble, Current};
use crate::entities::{incidents, pauses, rollups};
use crate::stats::{bucket_start, WindowTotals, DAY, HOUR};
use crate::{Store, StoreResult, StoredMonitor};

type Periods = HashMap<i64, Vec<(i64, i64)>>;

impl Store {
    /// The windows of every monitor in `monitors` as of `now_ms`, handed to `visit` one
    /// monitor at a time (a monitor's decoded histograms take tens of kilobytes: holding all
    /// of 10,000 monitors' at once would take hundreds of megabytes).
    pub async fn all_monitor_windows<'a>(
        &self,
        monitors: impl IntoIterator<Item = &'a StoredMonitor>,
        now_ms: i64,
        mut visit: impl FnMut(i64, Vec<WindowTotals>),
    ) -> StoreResult<()> {
        let monitors: Vec<&StoredMonitor> = monitors.into_iter().collect();
        let (day0, hour0) = (bucket_start(now_ms, DAY), bucket_start(now_ms, HOUR));
        // Kept encoded until their monitor's turn: decoded, a histogram takes about 13 KB.
        let mut open: HashMap<i64, Vec<rollups::Model>> = HashMap::with_capacity(monitors.len());
        for (tier, start) in [(HOUR, hour0), (DAY, day0)] {
            for row in rollups::Entity::find()
                .filter(rollups::Column::BucketMs.eq(tier))
                .filter(rollups::Column::BucketStart.eq(start))
                .all(&self.read)
                .await?
            {
                open.entry(row.monitor_id).or_default().push(row);
            }
        }
        let since = day0 - 365 * DAY;
        let mut paused: Periods = HashMap::new();
        for p in pauses::Entity::find()
            .filter(
                Condition::any()
                    .add(pauses::Column::EndedAt.is_null())
                    .add(pauses::Column::EndedAt.gt(since)),
            )
            .order_by_asc(pauses::Column::StartedAt)
            .all(&self.read)
            .await?
        {
            paused
                .entry(p.monitor_id)
                .or_default()
                .push((p.started_at, p.ended_at.unwrap_or(now_ms)));
        }
        for (monitor_id, start, end) in self.maintenance_periods(None, since, now_ms).await? {
            paused.entry(monitor_id).or_default().push((start, end));
        }
        for periods in paused.values_mut() {
            *periods = crate::stats::union(std::mem::take(periods));
        }
        let mut down: Periods = HashMap::new();
        for i in incidents::Entity::find()
            .filter(
                Condition::any()
                    .add(incidents::Column::ResolvedAt.is_null())
                    .add(incidents::Column::ResolvedAt.gt(since)),
            )
            .all(&self.read)
            .await?
        {
            down.entry(i.monitor_id)
                .or_default()
                .push((i.started_at, i.resolved_at.unwrap_or(now_ms)));
        }
        let none = Vec::new();
        for m in monitors {
            let closed = self.closed_for(m.id, now_ms).await?;
            let mut current = Current::default();
            for row in open.remove(&m.id).unwrap_or_default() {
                if row.bucket_ms == HOUR {
                    current.hour.add(row.counts())?;
                } else {
                    current.today.add(row.counts())?;
                }
            }
            let windows = assemble(
                m,
                &closed,
                &current,
                paused.get(&m.id).unwrap_or(&none),
                down.get(&m.id).unwrap_or(&none),
                now_ms,
            )?;
            visit(m.id, windows);
        }
        Ok(())
    }
}
