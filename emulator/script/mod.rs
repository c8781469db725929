//! The script engine: applies a scenario's script to a World and its surfaces. [`faults`]
//! answers scripted request faults, down to real TCP resets.

pub mod faults;
