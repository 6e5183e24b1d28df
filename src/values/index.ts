export { isJsonObject } from './json-object.js';
