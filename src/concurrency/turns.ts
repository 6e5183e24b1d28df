/**
 * Runs async actions one at a time per key, in the order they were handed
 * in: an action starts only once every earlier action of its key has
 * settled, whether it resolved or threw. Each caller gets its own action's
 * outcome; one action's failure does not reach the next. Actions of
 * different keys run independently. A key whose turns have all settled is
 * forgotten, so keys that come and go (endpoints) do not accumulate.
 *
 * An action must not wait for a later action of its own key: that later one
 * starts only after it, so both would wait forever.
 */
export interface KeyedTurns<Key> {
  run<Result>(key: Key, action: () => Promise<Result>): Promise<Result>;
}

/** Creates an empty {@link KeyedTurns}. */
export function createKeyedTurns<Key>(): KeyedTurns<Key> {
  const lastTurn = new Map<Key, Promise<unknown>>();
  return {
    run(key, action) {
      const result = (lastTurn.get(key) ?? Promise.resolve()).then(action, action);
      const settled = result.catch(() => undefined);
      lastTurn.set(key, settled);
      void settled.then(() => {
        if (lastTurn.get(key) === settled) lastTurn.delete(key);
      });
      return result;
    },
  };
}

/**
 * Runs async actions one at a time, in the order they were handed in; the
 * single-key form of {@link KeyedTurns}, with its guarantees and its one
 * rule (an action never waits for a later one).
 */
export type InTurn = <Result>(action: () => Promise<Result>) => Promise<Result>;

/** Creates an {@link InTurn}: a lock for work that must not interleave (read-modify-write of one document, rounds of one coordinator). */
export function createInTurn(): InTurn {
  const turns = createKeyedTurns<'only'>();
  return (action) => turns.run('only', action);
}
