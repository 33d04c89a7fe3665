/** createRuntime as a TaskEither over navigator.gpu, for the browser entry (no path to Dawn). */
import { createBrowserRuntime } from '../runtime/browser.js';
import { liftCreateRuntime } from './either.js';

export const createRuntimeTE = liftCreateRuntime(createBrowserRuntime);
