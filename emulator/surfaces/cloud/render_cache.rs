//! [`RenderCache`]: the rendered JSON of each task, reused while the task does not change.
//! Integrations poll tasks far more often than tasks change, so most polls skip rendering.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use crate::world::ids::TaskId;
use crate::world::task::{Task, TaskState};

/// How many rendered tasks are kept before the cache starts afresh (bounded memory).
const CAPACITY: usize = 16_384;

/// Everything about a task its answer shows that can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RenderKey {
    generation: u64,
    state: TaskState,
    updated: i64,
    has_ams: bool,
    has_error: bool,
    cancelled: bool,
}

impl RenderKey {
    /// The key of `task` as it stands in World generation `generation`.
    pub(super) fn of(task: &Task, generation: u64) -> Self {
        RenderKey {
            generation,
            state: task.state,
            updated: task.updated.0,
            has_ams: task.ams_id.is_some(),
            has_error: task.error.is_some(),
            cancelled: task.cancelled_by.is_some(),
        }
    }
}

/// Rendered task answers by task id.
#[derive(Debug, Default)]
pub struct RenderCache {
    inner: Mutex<HashMap<TaskId, (RenderKey, Bytes)>>,
}

impl RenderCache {
    /// The answer rendered for `task` if it has not changed since (nor the World been reset).
    pub fn get(&self, task: &Task, generation: u64) -> Option<Bytes> {
        let key = RenderKey::of(task, generation);
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.get(&task.id).filter(|(k, _)| *k == key).map(|(_, b)| b.clone())
    }

    /// Keeps `rendered` as the answer for `task` as it stands.
    pub fn put(&self, task: &Task, generation: u64, rendered: Bytes) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.len() >= CAPACITY {
            inner.clear();
        }
        inner.insert(task.id.clone(), (RenderKey::of(task, generation), rendered));
    }
}
