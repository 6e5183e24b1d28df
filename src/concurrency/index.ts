export { mapAhead } from './map-ahead.js';
export { mapWithConcurrency } from './map-with-concurrency.js';
export { createInTurn, createKeyedTurns, type InTurn, type KeyedTurns } from './turns.js';
export { createSlotLimiter, type SlotLimiter } from './slots.js';
