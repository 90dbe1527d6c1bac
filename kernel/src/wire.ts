/**
 * Jupyter wire protocol (messaging spec 5.3): framing, HMAC-SHA256 signing and verification.
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
 * The one implementation in the project: the client in tools/ uses it too (through kernel/dist, see
 * tools/src/wire.ts), so kernel and runner cannot drift apart on framing or signing.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

export interface Message<C = Record<string, unknown>> {
  /** zmq routing identities (ROUTER sockets); empty for iopub. */
  identities: Buffer[];
  header: Header;
  /** Empty object when there is no parent (e.g. the "starting" status). */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Keys and scheme from the connection file; an empty key disables signing (allowed by the spec). */
export class Signer {
  constructor(
    private readonly key: string,
    private readonly scheme: string,
  ) {
    if (key && scheme !== 'hmac-sha256') {
      throw new Error(`connection file: signature_scheme "${scheme}" is not supported (only hmac-sha256)`);
    }
  }

  sign(parts: Buffer[]): string {
    if (!this.key) return '';
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  verify(signature: string, parts: Buffer[]): boolean {
    if (!this.key) return true;
    const want = Buffer.from(this.sign(parts));
    const got = Buffer.from(signature);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

/** Parse raw frames; throws with a reason when the frames are malformed or the signature is wrong. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const delim = frames.findIndex((f) => f.equals(DELIMITER));
  if (delim < 0) throw new Error('wire: message without <IDS|MSG> delimiter');
  if (frames.length < delim + 6) throw new Error(`wire: message has ${frames.length - delim - 1} parts after the delimiter (needs 5)`);
  const signature = frames[delim + 1].toString('ascii');
  const parts = frames.slice(delim + 2, delim + 6);
  if (!signer.verify(signature, parts)) throw new Error('wire: invalid HMAC signature');
  const parse = (b: Buffer, what: string): any => {
    try {
      return JSON.parse(b.toString('utf8'));
    } catch (e) {
      throw new Error(`wire: ${what} is not JSON (${(e as Error).message})`);
    }
  };
  return {
    identities: frames.slice(0, delim),
    header: parse(parts[0], 'header'),
    parent_header: parse(parts[1], 'parent_header'),
    metadata: parse(parts[2], 'metadata'),
    content: parse(parts[3], 'content'),
    buffers: frames.slice(delim + 6),
  };
}

export function encode(msg: Message<unknown>, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
  return [...msg.identities, DELIMITER, Buffer.from(signer.sign(parts), 'ascii'), ...parts, ...msg.buffers];
}

/** Exported for clients (tools/), which start conversations and so have no parent to take the username from. */
export function newHeader(msgType: string, session: string, username: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** A new message of `msgType` whose parent is `parent` (replies copy the routing identities). */
export function makeMessage<C>(
  msgType: string,
  content: C,
  session: string,
  parent?: Message<unknown>,
  identities: Buffer[] = parent ? parent.identities : [],
): Message<C> {
  return {
    identities,
    header: newHeader(msgType, session, parent?.header.username ?? 'kernel'),
    parent_header: parent ? parent.header : {},
    metadata: {},
    content,
    buffers: [],
  };
}
