export { boundText, boundStrings } from './bound.js';
export { detachedText } from './detached.js';
