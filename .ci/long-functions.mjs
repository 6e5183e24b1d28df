/* global process, console */
/* eslint-disable no-console -- a report for a terminal */
// Lists the functions in src/ and adapters/ over 80 lines (blank lines and comments not counted), with eslint's own
// max-lines-per-function rule, so the count matches the rule once eslint.config.js turns it on.
// Run from the repository root: node .ci/long-functions.mjs
import { ESLint } from 'eslint';

const limit = { max: 80, skipBlankLines: true, skipComments: true };
const eslint = new ESLint({ overrideConfig: { rules: { 'max-lines-per-function': ['error', limit] } } });
const results = await eslint.lintFiles(['src/**/*.ts', 'adapters/**/*.ts']);
const long = results.flatMap((result) => result.messages.filter((message) => message.ruleId === 'max-lines-per-function').map((message) => `${result.filePath.slice(process.cwd().length + 1)}:${message.line} ${message.message}`));
for (const line of long) console.log(line);
console.log(`${long.length} function(s) over ${limit.max} lines`);
