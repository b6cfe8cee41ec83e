//! The ibasho client library: every plugin of the town.
