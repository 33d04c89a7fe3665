/** createRuntime as a TaskEither, for the Node entry (the browser one is in either-browser.ts). */
import { createRuntime } from '../runtime/index.js';
import { liftCreateRuntime } from './either.js';

export const createRuntimeTE = liftCreateRuntime(createRuntime);
