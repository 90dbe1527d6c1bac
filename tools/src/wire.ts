/**
 * The client side of the Jupyter wire protocol (messaging spec 5.3): building, signing, parsing and verifying
 * the multipart messages. https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
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
}

export interface Message<C = Record<string, any>> {
  header: Header;
  /** `{}` when the message has no parent (e.g. the kernel's "starting" status). */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
}

export class Signer {
  constructor(private readonly key: string) {}

  sign(parts: Buffer[]): string {
    // The spec allows an empty key, which turns signing off.
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

export function newHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: 'ratelab',
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Frames for a DEALER socket: no routing identities, then delimiter, signature and the four JSON parts. */
export function encode(msg: Message, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
  return [DELIMITER, Buffer.from(signer.sign(parts), 'ascii'), ...parts];
}

/** Parse frames received on any channel; throws with the reason when malformed or wrongly signed. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const delim = frames.findIndex((f) => f.equals(DELIMITER));
  if (delim < 0) throw new Error('message without <IDS|MSG> delimiter');
  if (frames.length < delim + 6) throw new Error(`message has ${frames.length - delim - 1} frames after the delimiter (needs 5)`);
  const parts = frames.slice(delim + 2, delim + 6);
  if (!signer.verify(frames[delim + 1].toString('ascii'), parts)) throw new Error('message with an invalid HMAC signature');
  const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')));
  return { header, parent_header: parent ?? {}, metadata: metadata ?? {}, content: content ?? {} };
}
