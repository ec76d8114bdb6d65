// The serial framing between the agent (agent/agent.c) and the host.
//
// A record (hello, probe, c<N>, end, fatal) travels as <count> lines:
//     @@SUD <id> <seq>/<count> <base64 chunk> <crc32, 8 hex digits>
// where the CRC-32 (IEEE, as zlib) covers "<id> <seq>/<count> <base64 chunk>". The stream may carry
// anything else too: kernel messages, \r\n line ends, a kernel line printed in the middle of a frame
// line (the 8250 driver refills the UART FIFO 16 bytes at a time, and printk may write in between).
// The parser keeps every line that is not a frame for the console log, drops frames that do not
// check out, and repairs the common damage: a kernel line spliced into a frame line, which arrives
// as "<frame start><kernel text>" and, on the next line, "<frame rest>".

const FRAME = /^@@SUD ([a-z0-9.-]{1,40}) (\d{1,7})\/(\d{1,7}) ([A-Za-z0-9+/=]*) ([0-9a-f]{8})$/;
const MARK = '@@SUD ';
/** Characters a frame line can contain: where a broken line first has another, kernel text began. */
const FRAME_CHAR = /[A-Za-z0-9+/=@ .\-]/;
/** How many lines after a damaged frame line its rest may still arrive (an oops or a register dump
 * printed between two UART refills is a few dozen lines). */
const REPAIR_WINDOW = 64;
/** How many frame characters the spliced kernel text may begin with ("potentially unexpected ..."
 * before its first ':' or '.'); a timestamped kernel line begins with '[' and needs none. */
const REPAIR_REACH = 64;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of an ASCII/latin1 string (each char one byte). */
export function crc32(text: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) c = (CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface Frame {
  id: string;
  seq: number;
  count: number;
  chunk: string;
}

/** One frame line (without line end), or null when it is malformed or its CRC does not match. */
export function parseFrame(line: string): Frame | null {
  const m = FRAME.exec(line);
  if (!m) return null;
  const [, id, seq, count, chunk, crc] = m as unknown as [string, string, string, string, string, string];
  const s = Number(seq);
  const n = Number(count);
  if (n < 1 || s >= n) return null;
  if (crc32(`${id} ${seq}/${count} ${chunk}`) !== parseInt(crc, 16)) return null;
  return { id, seq: s, count: n, chunk };
}

/** The frame lines of a record (what the agent writes), for tests and fakes. */
export function encodeRecord(id: string, payload: Buffer | string, chunkBytes = 3072): string[] {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const count = Math.max(1, Math.ceil(data.length / chunkBytes));
  const lines: string[] = [];
  for (let seq = 0; seq < count; seq++) {
    const chunk = data.subarray(seq * chunkBytes, (seq + 1) * chunkBytes).toString('base64');
    const body = `${id} ${seq}/${count} ${chunk}`;
    lines.push(`${MARK}${body} ${crc32(body).toString(16).padStart(8, '0')}`);
  }
  return lines;
}

export interface SudRecord {
  id: string;
  payload: Buffer;
}

export interface FramingStats {
  /** Frame lines accepted (repaired ones included). */
  frames: number;
  /** Frame lines repaired after a kernel line was spliced into them. */
  repaired: number;
  /** Frame lines dropped: malformed, wrong CRC, and not repairable. */
  dropped: number;
  /** Frames of a record already complete (ignored). */
  duplicates: number;
}

export class FrameParser {
  readonly stats: FramingStats = { frames: 0, repaired: 0, dropped: 0, duplicates: 0 };
  private partial = '';
  private broken: { text: string; age: number } | null = null;
  private readonly open = new Map<string, { count: number; chunks: (string | undefined)[]; got: number }>();
  private readonly complete = new Set<string>();

  constructor(
    private readonly onRecord: (r: SudRecord) => void,
    /** Every line that is not part of a frame (kernel messages, the agent's plain lines), decoded as UTF-8. */
    private readonly onLine: (line: string) => void = () => {},
  ) {}

  /** Feeds bytes as they arrive; lines may be split anywhere. */
  push(data: Buffer | string): void {
    const text = this.partial + (typeof data === 'string' ? Buffer.from(data, 'utf8').toString('latin1') : data.toString('latin1'));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.replace(/\r/g, ''));
  }

  /** The stream ended: a last line without a line end is still a line. */
  end(): void {
    if (this.partial !== '') this.line(this.partial.replace(/\r/g, ''));
    this.partial = '';
    if (this.broken) this.dropBroken();
  }

  /** Records begun but not complete (some of their frames lost or still to come). */
  incomplete(): string[] {
    return [...this.open.keys()];
  }

  private console(text: string): void {
    if (text !== '') this.onLine(Buffer.from(text, 'latin1').toString('utf8'));
  }

  private dropBroken(): void {
    if (!this.broken) return;
    this.stats.dropped++;
    this.console(this.broken.text);
    this.broken = null;
  }

  private line(line: string): void {
    const at = line.indexOf(MARK);
    if (at < 0) {
      if (this.broken && this.repair(line)) return;
      if (this.broken && ++this.broken.age > REPAIR_WINDOW) this.dropBroken();
      this.console(line);
      return;
    }
    // A new frame begins: the rest of a damaged one can no longer arrive (base64 has no '@').
    if (this.broken) this.dropBroken();
    this.console(line.slice(0, at));
    const text = line.slice(at);
    const frame = parseFrame(text);
    if (frame) this.accept(frame);
    else this.broken = { text, age: 0 };
  }

  /** Tries "<start of the damaged line up to p>" + line for every cut p the kernel text may begin at.
   * The rest of a frame holds only frame characters: any other line is kernel text, tried no further. */
  private repair(rest: string): boolean {
    if (!this.broken) return false;
    for (let i = 0; i < rest.length; i++) if (!FRAME_CHAR.test(rest[i] as string)) return false;
    const b = this.broken.text;
    let limit = MARK.length;
    while (limit < b.length && FRAME_CHAR.test(b[limit] as string)) limit++;
    for (let p = limit; p > MARK.length && p >= limit - REPAIR_REACH; p--) {
      const frame = parseFrame(b.slice(0, p) + rest);
      if (frame) {
        this.broken = null;
        this.stats.repaired++;
        this.console(b.slice(p));
        this.accept(frame);
        return true;
      }
    }
    return false;
  }

  private accept(f: Frame): void {
    this.stats.frames++;
    if (this.complete.has(f.id)) {
      this.stats.duplicates++;
      return;
    }
    let rec = this.open.get(f.id);
    if (!rec || rec.count !== f.count) {
      rec = { count: f.count, chunks: new Array(f.count).fill(undefined), got: 0 };
      this.open.set(f.id, rec);
    }
    if (rec.chunks[f.seq] !== undefined) {
      this.stats.duplicates++;
      return;
    }
    rec.chunks[f.seq] = f.chunk;
    if (++rec.got < rec.count) return;
    this.open.delete(f.id);
    this.complete.add(f.id);
    this.onRecord({ id: f.id, payload: Buffer.concat(rec.chunks.map((c) => Buffer.from(c as string, 'base64'))) });
  }
}
