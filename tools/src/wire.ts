/**
 * The client side of the Jupyter wire protocol. Framing, signing and parsing are the kernel's own
 * (kernel/src/wire.ts), so runner and kernel cannot disagree on them. They come from the kernel's build rather
 * than its source because tools/dist must `require` JavaScript at run time and tsc keeps tools inside its rootDir;
 * `npm run build` compiles kernel/ before tools/.
 */
import * as kernelWire from '../../kernel/dist/wire';

export { encode, PROTOCOL_VERSION, Signer } from '../../kernel/dist/wire';
export type { Header } from '../../kernel/dist/wire';

/** Content is left loosely typed: the runner reads fields of many message types and checks them where it uses them. */
export type Message = kernelWire.Message<Record<string, any>>;

/** A request with no parent; DEALER sockets add no routing identities. */
export function newMessage(msgType: string, content: Record<string, unknown>, session: string): Message {
  return {
    identities: [],
    header: kernelWire.newHeader(msgType, session, 'ratelab'),
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/**
 * The runner can drive any kernelspec, and a kernel that sends `null` for an empty part must not crash the code
 * that reads `msg.content.x` or `msg.parent_header.msg_id`; the kernel itself keeps the parts as sent.
 */
export function decode(frames: Buffer[], signer: kernelWire.Signer): Message {
  const msg = kernelWire.decode(frames, signer);
  return { ...msg, parent_header: msg.parent_header ?? {}, metadata: msg.metadata ?? {}, content: msg.content ?? {} };
}
