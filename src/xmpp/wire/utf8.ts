/**
 * UTF-8 boundaries for the XMPP stream parser (stream-parser.ts), which
 * takes ASCII pieces as their own text and gives the rest to a streaming
 * TextDecoder (WHATWG Encoding, UTF-8 decoder): whether a piece leaves that
 * decoder holding part of a sequence. Pure.
 */

/**
 * True when `b` does not end inside a UTF-8 sequence: its last byte is ASCII,
 * or its last lead byte has exactly the continuation bytes it announces
 * (WHATWG UTF-8 decode leaves no state after that, errors included: an out
 * of range byte aborts the sequence and is itself an error). Anything else,
 * false: the decoder then takes the next piece, which is always right.
 */
export function endsComplete(b: Uint8Array): boolean {
  let i = b.length - 1;
  let cont = 0;
  while (i >= 0 && cont < 4 && ((b[i] as number) & 0xc0) === 0x80) {
    i--;
    cont++;
  }
  if (i < 0) return false;
  const lead = b[i] as number;
  const need = lead < 0x80 ? 0 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : -1;
  return need === cont;
}
