/** Content of `kernel_info_reply`. */
import * as ts from '@tslab/typescript-for-tslab';
import { PROTOCOL_VERSION } from './wire';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const KERNEL_VERSION: string = require('../package.json').version;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const TSLAB_VERSION: string = require('tslab/package.json').version;

export function kernelInfo(): Record<string, unknown> {
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'ratelab',
    implementation_version: KERNEL_VERSION,
    language_info: {
      name: 'typescript',
      // The TypeScript that compiles cells is tslab's bundled fork, not the project's tsc.
      version: ts.version,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      pygments_lexer: 'typescript',
      // As tslab: makes both JupyterLab and the classic notebook highlight TypeScript.
      codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
    },
    banner: `ratelab kernel ${KERNEL_VERSION}: TypeScript ${ts.version} via tslab ${TSLAB_VERSION}, Node ${process.version}`,
    debugger: false,
    help_links: [
      { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
      { text: 'TensorFlow.js API', url: 'https://js.tensorflow.org/api/latest/' },
      { text: 'tslab', url: 'https://github.com/yunabe/tslab' },
      { text: 'Jupyter messaging', url: 'https://jupyter-client.readthedocs.io/en/latest/messaging.html' },
    ],
  };
}
