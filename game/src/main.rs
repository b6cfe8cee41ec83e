//! Entry point of the ibasho client.
fn main() {}
