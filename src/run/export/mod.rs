//! Exports of a run to other tools' formats: TensorBoard event files ([`tensorboard`]), on
//! TFRecord framing ([`tfrecord`]) and hand-written protocol buffers ([`protobuf`]). The CSV
//! and JSON exports are the metrics table and the run's records as they are (`saddle export`).

pub mod protobuf;
pub mod tensorboard;
pub mod tfrecord;
