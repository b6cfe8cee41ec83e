//! The town's copy of the blocks people made (`crate::blocks` writes them down): a blocked pair
//! is never introduced, and neither sees the other's lines in a hall. Only the person who
//! blocks is told their list; the blocked person is told nothing.

use std::collections::HashSet;

use protocol::{ParticipantId, ServerMessage};

use super::{Town, send};

/// Who blocked whom: (blocker, blocked).
#[derive(Debug, Default, Clone)]
pub(crate) struct Blocks(HashSet<(ParticipantId, ParticipantId)>);

impl Blocks {
    /// Whether either of the two blocked the other.
    pub(crate) fn between(&self, a: ParticipantId, b: ParticipantId) -> bool {
        !self.0.is_empty() && (self.0.contains(&(a, b)) || self.0.contains(&(b, a)))
    }

    /// The people `blocker` blocks, in order.
    fn of(&self, blocker: ParticipantId) -> Vec<ParticipantId> {
        let mut people: Vec<ParticipantId> =
            self.0.iter().filter(|(by, _)| *by == blocker).map(|(_, blocked)| *blocked).collect();
        people.sort();
        people
    }
}

impl Town {
    /// Every block, as the store has them (at start).
    pub fn set_blocks(&mut self, blocks: Vec<(ParticipantId, ParticipantId)>) {
        self.blocks = Blocks(blocks.into_iter().collect());
    }

    /// `blocker` blocked `blocked` (or removed the block): they are told their list; the next
    /// beat separates (or may introduce) the two.
    pub fn set_block(&mut self, blocker: ParticipantId, blocked: ParticipantId, on: bool) {
        if on {
            self.blocks.0.insert((blocker, blocked));
        } else {
            self.blocks.0.remove(&(blocker, blocked));
        }
        self.send_blocks(blocker);
    }

    /// Tells a person whom they block.
    pub(super) fn send_blocks(&self, blocker: ParticipantId) {
        if let Some(present) = self.people.get(&blocker) {
            send(&present.outbox, ServerMessage::Blocks { people: self.blocks.of(blocker) });
        }
    }
}
