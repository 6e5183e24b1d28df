import type { ChaosPlatform } from '../platforms/platform.js';
import type { FaultContext, Scenario } from '../scenario.js';

/** A row of a fault group's table: the kind's own scenario takes its name, summary and full-form trials. */
export interface TableKind {
  readonly name: string;
  readonly summary: string;
  readonly fullTrials: number;
}

/** What {@link scenariosOfTable} needs of a group. */
export interface TableGroup<Kind extends TableKind> {
  /** The mixed scenario's name (`platform-lies-mixed`). */
  readonly mixedName: string;
  /** What one trial does with its kind (`tells it`), for the mixed scenario's summary. */
  readonly verb: string;
  readonly mixedTrials: { readonly short: number; readonly full: number };
  readonly kinds: readonly Kind[];
  readonly platform: () => Promise<ChaosPlatform>;
  /** Makes one fault of `kind` and ends it. */
  readonly make: (context: FaultContext, kind: Kind) => Promise<void>;
}

/**
 * A fault table's scenarios: one mixed scenario for the short form (each
 * trial draws a kind from the table) and one scenario per kind for the full form.
 */
export function scenariosOfTable<Kind extends TableKind>(group: TableGroup<Kind>): Scenario[] {
  return [
    {
      name: group.mixedName,
      summary: `each trial draws one kind from the table (${group.kinds.length} kinds) and ${group.verb}`,
      trials: group.mixedTrials,
      platform: group.platform,
      async trial(context) {
        const kind = group.kinds[Math.floor(context.random() * group.kinds.length)];
        if (kind === undefined) throw new Error(`the table of ${group.mixedName} is empty`);
        context.note(`drew ${kind.name}`);
        await group.make(context, kind);
      },
    },
    ...group.kinds.map(
      (kind): Scenario => ({
        name: kind.name,
        summary: kind.summary,
        trials: { short: 0, full: kind.fullTrials },
        fullOnlyBecause: `the short form draws this kind among the others in ${group.mixedName}`,
        platform: group.platform,
        trial: (context) => group.make(context, kind),
      }),
    ),
  ];
}
