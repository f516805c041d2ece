/** Just enough PNG reading to tell a blank screenshot from a drawn one, with Node's own zlib. */
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

/** Share of the image's (filtered) scanline bytes that are neither 0 nor 255: ~0 for a blank page. */
export function inkShare(path: string): number {
  const png = readFileSync(path);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  let ink = 0;
  for (const byte of pixels) if (byte !== 0 && byte !== 255) ink++;
  return ink / pixels.length;
}
