/**
 * Z85 (ZeroMQ RFC 32): the text form of CURVE keys, 40 characters for 32
 * bytes. ZAP hands the host a client's key as bytes while allow-lists hold
 * text: this turns one into the other and tells a key from a typo.
 */

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));

/** A CURVE key in Z85: exactly 40 characters of the alphabet. */
export function isCurveKey(text: string): boolean {
  return text.length === 40 && [...text].every((char) => VALUES.has(char));
}

export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new Error("Z85 text length must be a multiple of 5");
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = VALUES.get(text[i + j] as string);
      if (digit === undefined) throw new Error(`not a Z85 character: ${JSON.stringify(text[i + j])}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new Error("Z85 group out of range");
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Error("Z85 input length must be a multiple of 4");
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let text = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let value = view.readUInt32BE(i);
    let group = "";
    for (let j = 0; j < 5; j++) {
      group = ALPHABET[value % 85] + group;
      value = Math.floor(value / 85);
    }
    text += group;
  }
  return text;
}
