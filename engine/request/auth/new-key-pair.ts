import { curveKeyPair } from "zeromq";
import type { KeyPair } from "./key-files.js";

/** A fresh CURVE key pair (libzmq's, from the system's random source). */
export function newKeyPair(): KeyPair {
  return curveKeyPair();
}
