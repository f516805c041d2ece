/**
 * The latency breakdown of one request, declared once: the wire's `Timing`
 * (docs/protocol.md), the channels' replies and the histograms all use it.
 * Its own file so that a service host can name it without loading the
 * histograms.
 */
/** The four components of one request's latency, in milliseconds. */
export interface RequestTiming {
  /** Round trip seen by the client minus the time inside the service host. */
  communication_ms: number;
  /** Queueing, parsing and serialising inside the service host. */
  service_ms: number;
  /** Time in the backend (model server, or the noop host's emulated delay). */
  inference_ms: number;
  /** Round trip seen by the client. */
  total_ms: number;
  /** Streamed requests: from sending to the first piece of the answer (time to first token). */
  first_piece_ms?: number;
}
