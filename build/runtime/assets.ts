/** The name the zeromq addon is carried under in the binary's SEA assets. */
export const ZEROMQ_ASSET = "zeromq.node";
