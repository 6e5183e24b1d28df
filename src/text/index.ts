export { boundText, boundStrings } from './bound.js';
