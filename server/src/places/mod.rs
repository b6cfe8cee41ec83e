//! The rules of each kind of place, one module each; the town applies them.

pub mod booth;
pub mod gallery;
pub mod hall;
