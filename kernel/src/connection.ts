/** The connection file Jupyter writes for a kernel (ports, transport, signing key). */
import * as fs from 'fs';

export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export function readConnectionFile(file: string): ConnectionInfo {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read connection file (${(e as Error).message})`);
  }
  for (const k of ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port']) {
    if (typeof raw[k] !== 'number') throw new Error(`${file}: "${k}" must be a port number, got ${JSON.stringify(raw[k])}`);
  }
  return {
    transport: typeof raw.transport === 'string' ? raw.transport : 'tcp',
    ip: typeof raw.ip === 'string' ? raw.ip : '127.0.0.1',
    shell_port: raw.shell_port as number,
    iopub_port: raw.iopub_port as number,
    stdin_port: raw.stdin_port as number,
    control_port: raw.control_port as number,
    hb_port: raw.hb_port as number,
    key: typeof raw.key === 'string' ? raw.key : '',
    signature_scheme: typeof raw.signature_scheme === 'string' ? raw.signature_scheme : 'hmac-sha256',
  };
}

export function endpoint(c: ConnectionInfo, port: number): string {
  return c.transport === 'ipc' ? `ipc://${c.ip}-${port}` : `${c.transport}://${c.ip}:${port}`;
}
